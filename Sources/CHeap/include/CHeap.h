#ifndef REGVAULT_CHEAP_H
#define REGVAULT_CHEAP_H
#include <stddef.h>

/// Bytes malloc has handed out and not had back, across all arenas (glibc's mallinfo2: in-use
/// small blocks plus mmapped blocks); 0 where mallinfo2 is not available.
size_t regvault_heap_in_use(void);

#endif

#ifndef REGVAULT_CHEAP_H
#define REGVAULT_CHEAP_H
#include <stddef.h>

/// Bytes malloc has handed out and not had back, across all arenas (glibc's mallinfo2: in-use
/// small blocks plus mmapped blocks); 0 where mallinfo2 is not available.
size_t regvault_heap_in_use(void);

/// Serves every allocation of `bytes` or more with its own mapping, which goes back to the system
/// when it is freed. glibc otherwise raises that threshold (up to 32 MiB) each time such a block
/// is freed, after which large answers come from the arenas, and the memory they leave behind
/// stays resident. No-op without glibc.
void regvault_heap_return_large_blocks(size_t bytes);

/// Gives the system back the whole free pages inside every arena (glibc's malloc_trim), which
/// glibc otherwise keeps resident. Takes each arena's lock in turn, briefly. No-op without glibc.
void regvault_heap_release_free_pages(void);

#endif

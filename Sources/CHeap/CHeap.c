#include "CHeap.h"
#if defined(__linux__)
#include <malloc.h>
#endif

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
size_t regvault_heap_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
#else
size_t regvault_heap_in_use(void) { return 0; }
#endif

#if defined(__GLIBC__)
void regvault_heap_return_large_blocks(size_t bytes) {
    mallopt(M_MMAP_THRESHOLD, (int)bytes);
}

void regvault_heap_release_free_pages(void) {
    malloc_trim(0);
}
#else
void regvault_heap_return_large_blocks(size_t bytes) { (void)bytes; }
void regvault_heap_release_free_pages(void) {}
#endif

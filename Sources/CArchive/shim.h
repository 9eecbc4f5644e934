#ifndef VAULTARCHIVE_CARCHIVE_SHIM_H
#define VAULTARCHIVE_CARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

#endif

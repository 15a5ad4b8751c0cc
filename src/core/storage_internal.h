/* What storage's source files share; not part of the public face. */
#ifndef CARELOG_STORAGE_INTERNAL_H
#define CARELOG_STORAGE_INTERNAL_H

#include <sqlite3.h>

#include "carelog/secret.h"
#include "carelog/status.h"

/* Keys a connection with a raw 32-byte key in the form x'<hex>' (built in
 * protected memory); an SQLite result code. Records no message, so that
 * the checkpointer's thread may call it. */
int storage_key_raw(sqlite3 *db, const cl_secret *key, int (*fn)(sqlite3 *, const char *, const void *, int));

/* The checkpointer of a connection cl_db_open made (storage_checkpoint.c):
 * set up at the open with a copy of the key, told the new key after a
 * rekey. */
cl_status storage_checkpoints_attach(sqlite3 *db, const char *path, const cl_secret *key);
cl_status storage_checkpoints_rekeyed(sqlite3 *db, const cl_secret *key);

#endif

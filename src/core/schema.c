/* Every table of the vault, as migrations: entry i takes the schema from
 * version i to i+1. Never edit a released entry; append a new one. */
#include "carelog/storage.h"

const char *const cl_schema_migrations[] = {
    /* 1: the vault itself */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB);"
    "CREATE TABLE counsellors ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  slot_id BLOB UNIQUE,"
    "  created_at TEXT NOT NULL,"
    "  removed_at TEXT);"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  target TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '',"
    "  prev_hash BLOB NOT NULL,"
    "  hash BLOB NOT NULL);",
    NULL,
};

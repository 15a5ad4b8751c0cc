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

    /* 2: forms, students and every kind of record */
    "CREATE TABLE forms ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  source TEXT NOT NULL,"           /* the definition text */
    "  digest TEXT NOT NULL,"
    "  imported_at TEXT NOT NULL,"
    "  UNIQUE (kind, version), UNIQUE (kind, digest));"
    /* A student's form fields live in the student's own record (kind
     * 'student'), so editing, history and conflicts work the same for a
     * student as for any record; these columns are kept in step with it
     * for listing and filtering. */
    "CREATE TABLE students ("
    "  id INTEGER PRIMARY KEY,"
    "  record_id INTEGER UNIQUE REFERENCES records(id),"
    "  number TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  class TEXT NOT NULL DEFAULT '',"
    "  birth_date TEXT,"
    "  status TEXT NOT NULL DEFAULT 'active',"
    "  risk_level INTEGER NOT NULL DEFAULT 0 CHECK (risk_level BETWEEN 0 AND 3),"
    "  misconduct_tier TEXT NOT NULL DEFAULT 'none',"
    "  counsellor TEXT NOT NULL DEFAULT '',"
    "  merged_into INTEGER REFERENCES students(id),"
    "  created_at TEXT NOT NULL);"
    "CREATE INDEX students_number ON students(number);"
    "CREATE INDEX students_class ON students(class);"
    "CREATE INDEX students_name ON students(name, birth_date);"
    "CREATE TABLE records ("
    "  id INTEGER PRIMARY KEY,"
    "  student_id INTEGER NOT NULL REFERENCES students(id),"
    "  kind TEXT NOT NULL,"
    "  author TEXT NOT NULL,"
    "  occurred_at TEXT NOT NULL,"      /* YYYY-MM-DD or YYYY-MM-DDTHH:MM */
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  updated_by TEXT NOT NULL,"
    "  form_id INTEGER NOT NULL REFERENCES forms(id),"
    "  version INTEGER NOT NULL DEFAULT 1," /* conflict detection */
    "  fields TEXT NOT NULL,"           /* JSON object, by the form */
    "  follow_up TEXT,"                 /* from the form's follow_up field */
    "  parent_id INTEGER REFERENCES records(id)," /* a plan review's plan */
    "  state TEXT,"                     /* a referral's state */
    "  signed_at TEXT,"
    "  signed_by TEXT,"
    "  signature BLOB,"                 /* Ed25519 by the vault over signed_payload */
    "  signed_payload TEXT,"            /* the canonical JSON that was signed */
    "  score TEXT);"                    /* a screening's score JSON (cl_form_score), else NULL */
    "CREATE INDEX records_student ON records(student_id, occurred_at);"
    "CREATE INDEX records_kind ON records(kind, occurred_at);"
    "CREATE INDEX records_follow_up ON records(follow_up) WHERE follow_up IS NOT NULL;"
    "CREATE INDEX records_parent ON records(parent_id) WHERE parent_id IS NOT NULL;"
    /* Every earlier version of a record: an edit never destroys. */
    "CREATE TABLE record_versions ("
    "  record_id INTEGER NOT NULL REFERENCES records(id),"
    "  version INTEGER NOT NULL,"
    "  form_id INTEGER NOT NULL REFERENCES forms(id),"
    "  fields TEXT NOT NULL,"
    "  occurred_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  updated_by TEXT NOT NULL,"
    "  PRIMARY KEY (record_id, version));"
    /* After signing a note is only amended, as in clinical records. */
    "CREATE TABLE amendments ("
    "  id INTEGER PRIMARY KEY,"
    "  record_id INTEGER NOT NULL REFERENCES records(id),"
    "  author TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  text TEXT NOT NULL);"
    "CREATE INDEX amendments_record ON amendments(record_id);"
    "CREATE TABLE referral_transitions ("
    "  id INTEGER PRIMARY KEY,"
    "  record_id INTEGER NOT NULL REFERENCES records(id),"
    "  from_state TEXT,"
    "  to_state TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX referral_transitions_record ON referral_transitions(record_id);"
    /* Flags raised by screenings (PHQ-9 item 9) until a counsellor clears them. */
    "CREATE TABLE flags ("
    "  id INTEGER PRIMARY KEY,"
    "  student_id INTEGER NOT NULL REFERENCES students(id),"
    "  record_id INTEGER NOT NULL REFERENCES records(id),"
    "  flag TEXT NOT NULL,"
    "  label_zh TEXT NOT NULL DEFAULT '',"
    "  label_en TEXT NOT NULL DEFAULT '',"
    "  raised_at TEXT NOT NULL,"
    "  cleared_at TEXT,"
    "  cleared_by TEXT,"
    "  cleared_reason TEXT);"
    "CREATE INDEX flags_student ON flags(student_id) WHERE cleared_at IS NULL;"
    /* Minimum follow-up frequency: by risk level ('risk', '3') or by
     * circumstance ('circumstance', 'left_behind'). */
    "CREATE TABLE followup_policies ("
    "  basis TEXT NOT NULL CHECK (basis IN ('risk', 'circumstance')),"
    "  value TEXT NOT NULL,"
    "  days INTEGER NOT NULL CHECK (days > 0),"
    "  PRIMARY KEY (basis, value));"
    "INSERT INTO followup_policies VALUES ('risk', '3', 7), ('risk', '2', 14), ('circumstance', 'left_behind', 30);"
    /* Pairs a counsellor has looked at and declared different people. */
    "CREATE TABLE not_duplicates ("
    "  a INTEGER NOT NULL REFERENCES students(id),"
    "  b INTEGER NOT NULL REFERENCES students(id),"
    "  PRIMARY KEY (a, b));",
    /* 3: offices, trusted schools, referral bundles and receipts (both sides:
     * a school vault uses the first three tables, an office vault the
     * rest). export ids and receipt ids are random and UNIQUE, so a
     * replayed bundle or receipt is recognised. */
    "CREATE TABLE offices ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  vault_id TEXT NOT NULL DEFAULT '',"  /* '' for an office without carelog */
    "  x25519 BLOB NOT NULL,"
    "  ed25519 BLOB NOT NULL,"
    "  fingerprint TEXT NOT NULL UNIQUE,"
    "  source TEXT NOT NULL,"               /* 'office.pub' or 'keys' */
    "  added_at TEXT NOT NULL,"
    "  added_by TEXT NOT NULL);"
    "CREATE TABLE bundle_exports ("
    "  export_id TEXT PRIMARY KEY,"
    "  record_id INTEGER NOT NULL REFERENCES records(id),"
    "  office_id INTEGER NOT NULL REFERENCES offices(id),"
    "  file TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL);"
    "CREATE INDEX bundle_exports_record ON bundle_exports(record_id);"
    "CREATE TABLE receipts_imported ("
    "  receipt_id TEXT PRIMARY KEY,"
    "  export_id TEXT NOT NULL REFERENCES bundle_exports(export_id),"
    "  status TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  office_at TEXT NOT NULL,"
    "  imported_at TEXT NOT NULL,"
    "  actor TEXT NOT NULL);"
    "CREATE TABLE trusted_schools ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  vault_id TEXT NOT NULL DEFAULT '',"
    "  x25519 BLOB NOT NULL,"
    "  ed25519 BLOB NOT NULL,"
    "  fingerprint TEXT NOT NULL UNIQUE,"
    "  source TEXT NOT NULL,"
    "  added_at TEXT NOT NULL,"
    "  added_by TEXT NOT NULL);"
    "CREATE TABLE received_bundles ("
    "  id INTEGER PRIMARY KEY,"
    "  export_id TEXT NOT NULL UNIQUE,"
    "  school_id INTEGER NOT NULL REFERENCES trusted_schools(id),"
    "  referral_id INTEGER NOT NULL,"       /* the school's record id */
    "  sha256 TEXT NOT NULL,"
    "  sent_at TEXT NOT NULL,"
    "  received_at TEXT NOT NULL,"
    "  received_by TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'received',"
    "  state_at TEXT NOT NULL,"
    "  manifest TEXT NOT NULL);"
    "CREATE INDEX received_bundles_school ON received_bundles(school_id, state);"
    "CREATE TABLE received_files ("
    "  bundle_id INTEGER NOT NULL REFERENCES received_bundles(id),"
    "  name TEXT NOT NULL,"
    "  content BLOB NOT NULL,"
    "  PRIMARY KEY (bundle_id, name));"
    "CREATE TABLE receipts_sent ("
    "  receipt_id TEXT PRIMARY KEY,"
    "  bundle_id INTEGER NOT NULL REFERENCES received_bundles(id),"
    "  status TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  file TEXT NOT NULL);"
    "CREATE INDEX receipts_sent_bundle ON receipts_sent(bundle_id);",

    /* 4: teachers, and what they send: the triage queue (inbox) and the
     * files refused (quarantine). An observation's id and its teacher's
     * counter are unique, so a replay is refused; the hash of each file
     * taken in lets an import that was cut off find the file it already
     * took and only remove it. */
    "CREATE TABLE teachers ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  public_key BLOB NOT NULL UNIQUE,"
    "  fingerprint TEXT NOT NULL,"
    "  classes TEXT NOT NULL DEFAULT '[]'," /* JSON array of class names */
    "  added_at TEXT NOT NULL,"
    "  added_by TEXT NOT NULL,"
    "  revoked_at TEXT,"
    "  revoked_by TEXT);"
    "CREATE TABLE inbox ("
    "  id INTEGER PRIMARY KEY,"
    "  observation_id BLOB NOT NULL UNIQUE,"
    "  teacher_id INTEGER NOT NULL REFERENCES teachers(id),"
    "  counter INTEGER NOT NULL,"
    "  file_hash BLOB NOT NULL UNIQUE,"
    "  received_at TEXT NOT NULL,"
    "  written_at TEXT NOT NULL,"
    "  student_number TEXT NOT NULL DEFAULT '',"
    "  student_name TEXT NOT NULL DEFAULT '',"
    "  student_class TEXT NOT NULL DEFAULT '',"
    "  severity TEXT NOT NULL DEFAULT '',"
    "  form_id INTEGER NOT NULL REFERENCES forms(id),"
    "  payload TEXT NOT NULL,"          /* the JSON the teacher signed */
    "  signature BLOB NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'accepted', 'dismissed')),"
    "  record_id INTEGER REFERENCES records(id),"
    "  triaged_at TEXT,"
    "  triaged_by TEXT,"
    "  dismiss_reason TEXT,"
    "  UNIQUE (teacher_id, counter));"
    "CREATE INDEX inbox_new ON inbox(status, severity) WHERE status = 'new';"
    "CREATE TABLE quarantine ("
    "  id INTEGER PRIMARY KEY,"
    "  received_at TEXT NOT NULL,"
    "  source TEXT NOT NULL,"           /* the file's name as it arrived */
    "  reason TEXT NOT NULL,"           /* a machine value, CL_OBS_… */
    "  detail TEXT NOT NULL,"
    "  teacher_id INTEGER REFERENCES teachers(id),"
    "  file_hash BLOB NOT NULL UNIQUE,"
    "  content BLOB);",                 /* the file as it came, still sealed */
    NULL,
};

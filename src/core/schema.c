/* Every table of the vault, as migrations: entry i takes the schema from
 * version i to i+1. Never edit a released entry; append a new one. */
#include "carelog/referral.h"
#include "carelog/search.h"
#include "carelog/storage.h"

/* Migration 23's: a referral's row of referral_waits from the view that
 * says it once (referral.h; test_schema_frozen pins what it expands to). */
#define REFERRAL_WAITS_ROW_OF "INSERT INTO referral_waits SELECT * FROM referral_wait_rows"

/* Migration 19's one statement for a referral's row of referral_waits:
 * its state and since, as cl_referral_list reads them. Frozen with it. */
#define REFERRAL_WAITS_OF                                                                                  \
    "INSERT INTO referral_waits(record_id, state, since)"                                                  \
    " SELECT r.id, coalesce(r.state, 'draft'), coalesce((SELECT t.at FROM referral_transitions t"          \
    " WHERE t.record_id = r.id ORDER BY t.id DESC LIMIT 1), r.created_at) FROM records r"

/* A referral deleted, or a move redated (the referral's since again):
 * the same in entries 19 and 23. */
#define REFERRAL_WAITS_REMOVED                                                                             \
    "CREATE TRIGGER referral_waits_removed AFTER DELETE ON records WHEN old.kind = 'referral' BEGIN"       \
    "  DELETE FROM referral_waits WHERE record_id = old.id;"                                               \
    "END;"
#define REFERRAL_WAITS_REDATED                                                                             \
    "CREATE TRIGGER referral_waits_redated AFTER UPDATE OF record_id, at ON referral_transitions BEGIN"    \
    "  UPDATE referral_waits SET since = coalesce((SELECT t.at FROM referral_transitions t"                \
    "    WHERE t.record_id = referral_waits.record_id ORDER BY t.id DESC LIMIT 1),"                       \
    "    (SELECT r.created_at FROM records r WHERE r.id = referral_waits.record_id))"                     \
    "   WHERE record_id IN (old.record_id, new.record_id);"                                               \
    "END;"

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
    /* 5: follow-up obligations and each student's derived state, kept in
     * the write transaction (followup_state.c) so that what is due is an
     * index range scan. Each *_computed view is the rule, written once:
     * the maintained tables must always equal it (cl_followup_recompute_check). */
    /* Which kinds of record meet a follow-up set by a record of set_kind
     * ('*' for kinds not listed), and ('policy', …) which kinds count as
     * direct contact with the student and restart a policy's clock. A
     * family contact meets only a contact's follow-up. */
    "CREATE TABLE followup_meets ("
    "  set_kind TEXT NOT NULL,"
    "  meet_kind TEXT NOT NULL,"
    "  PRIMARY KEY (set_kind, meet_kind)) WITHOUT ROWID;"
    "INSERT INTO followup_meets VALUES"
    " ('session', 'session'), ('session', 'assessment'),"
    " ('assessment', 'session'), ('assessment', 'assessment'),"
    " ('observation', 'session'), ('observation', 'assessment'),"
    " ('referral', 'session'), ('referral', 'assessment'),"
    " ('plan', 'review'), ('plan', 'session'), ('plan', 'assessment'),"
    " ('review', 'review'), ('review', 'session'), ('review', 'assessment'),"
    " ('contact', 'contact'),"
    " ('*', 'session'), ('*', 'assessment'),"
    " ('policy', 'session'), ('policy', 'assessment');"
    "CREATE INDEX records_student_kind ON records(student_id, kind, occurred_at);"
    /* A record meets a follow-up when it fits (followup_meets), came on a
     * later day than the record that set it, and no more than 7 days
     * before the planned date; the earliest such record is named. */
    "CREATE VIEW followups_computed AS"
    " SELECT r.id AS record_id, r.student_id, r.kind, substr(r.occurred_at, 1, 10) AS set_on,"
    "  r.follow_up AS due_date,"
    "  (SELECT c.id FROM records c"
    "    WHERE c.student_id = r.student_id"
    "      AND c.kind IN (SELECT m.meet_kind FROM followup_meets m WHERE m.set_kind ="
    "        CASE WHEN EXISTS (SELECT 1 FROM followup_meets k WHERE k.set_kind = r.kind) THEN r.kind ELSE '*' END)"
    "      AND substr(c.occurred_at, 1, 10) > substr(r.occurred_at, 1, 10)"
    "      AND substr(c.occurred_at, 1, 10) >= date(r.follow_up, '-7 days')"
    "    ORDER BY substr(c.occurred_at, 1, 10), c.id LIMIT 1) AS met_by"
    " FROM records r WHERE r.follow_up IS NOT NULL AND r.follow_up <> '' AND r.kind <> 'student';"
    /* One obligation per record that set a follow-up date (record_id), open
     * until met or closed by a counsellor with a reason; open also needs
     * the student to be followed (active or monitoring, not merged). */
    "CREATE TABLE followups ("
    "  record_id INTEGER PRIMARY KEY REFERENCES records(id),"
    "  student_id INTEGER NOT NULL REFERENCES students(id),"
    "  kind TEXT NOT NULL,"
    "  set_on TEXT NOT NULL,"
    "  due_date TEXT NOT NULL,"
    "  met_by INTEGER REFERENCES records(id),"
    "  closed_at TEXT,"
    "  closed_by TEXT,"
    "  closed_reason TEXT,"
    "  open INTEGER NOT NULL);"
    "CREATE INDEX followups_open_due ON followups(due_date, student_id) WHERE open;"
    "CREATE INDEX followups_student ON followups(student_id, due_date);"
    "INSERT INTO followups(record_id, student_id, kind, set_on, due_date, met_by, open)"
    " SELECT c.record_id, c.student_id, c.kind, c.set_on, c.due_date, c.met_by,"
    "  c.met_by IS NULL AND s.status IN ('active', 'monitoring') AND s.merged_into IS NULL"
    " FROM followups_computed c JOIN students s ON s.id = c.student_id;"
    /* (cl_db_migrate runs all pending entries in one transaction.) */,

    /* 6: each student's derived state, after the follow-ups of 5. */
    /* Per student: followed, last direct contact, open flags, risk, the
     * policy that applies (fewest days; risk before circumstance on a tie)
     * and when it falls due, and the next date of all (policy or the
     * earliest open follow-up: next_record_id, NULL for the policy). */
    "CREATE VIEW student_state_computed AS"
    " SELECT student_id, followed, last_contact, open_flags, risk_level,"
    "  policy_basis, policy_value, policy_days, policy_due,"
    "  CASE WHEN policy_due IS NOT NULL AND (fu_due IS NULL OR policy_due <= fu_due) THEN policy_due ELSE fu_due END"
    "   AS next_due,"
    "  CASE WHEN policy_due IS NOT NULL AND (fu_due IS NULL OR policy_due <= fu_due) THEN NULL ELSE fu_record END"
    "   AS next_record_id"
    " FROM (SELECT b.*, p.basis AS policy_basis, p.value AS policy_value, p.days AS policy_days,"
    "  CASE WHEN b.followed AND p.days IS NOT NULL"
    "   THEN date(coalesce(b.last_contact, b.on_file), '+' || p.days || ' days') END AS policy_due,"
    "  (SELECT f.due_date FROM followups f WHERE f.student_id = b.student_id AND f.open"
    "    ORDER BY f.due_date, f.record_id LIMIT 1) AS fu_due,"
    "  (SELECT f.record_id FROM followups f WHERE f.student_id = b.student_id AND f.open"
    "    ORDER BY f.due_date, f.record_id LIMIT 1) AS fu_record"
    "  FROM (SELECT s.id AS student_id,"
    "    (s.status IN ('active', 'monitoring') AND s.merged_into IS NULL) AS followed, s.risk_level,"
    "    substr(sr.occurred_at, 1, 10) AS on_file,"
    "    json_extract(sr.fields, '$.circumstances') AS circumstances,"
    "    (SELECT max(substr(c.occurred_at, 1, 10)) FROM records c WHERE c.student_id = s.id"
    "      AND c.kind IN (SELECT meet_kind FROM followup_meets WHERE set_kind = 'policy')) AS last_contact,"
    "    (SELECT count(*) FROM flags g WHERE g.student_id = s.id AND g.cleared_at IS NULL) AS open_flags"
    "   FROM students s LEFT JOIN records sr ON sr.id = s.record_id) b"
    "  LEFT JOIN followup_policies p ON p.rowid ="
    "   (SELECT q.rowid FROM followup_policies q"
    "     WHERE (q.basis = 'risk' AND q.value = CAST(b.risk_level AS TEXT))"
    "        OR (q.basis = 'circumstance' AND EXISTS"
    "            (SELECT 1 FROM json_each(b.circumstances) j WHERE j.value = q.value))"
    "     ORDER BY q.days, q.basis DESC, q.value LIMIT 1));"
    "CREATE TABLE student_state ("
    "  student_id INTEGER PRIMARY KEY REFERENCES students(id),"
    "  followed INTEGER NOT NULL,"
    "  last_contact TEXT,"               /* YYYY-MM-DD of the last direct contact */
    "  open_flags INTEGER NOT NULL,"
    "  risk_level INTEGER NOT NULL,"
    "  policy_basis TEXT,"
    "  policy_value TEXT,"
    "  policy_days INTEGER,"
    "  policy_due TEXT,"
    "  next_due TEXT,"
    "  next_record_id INTEGER);"
    "CREATE INDEX student_state_policy_due ON student_state(policy_due) WHERE policy_due IS NOT NULL;"
    "INSERT INTO student_state SELECT * FROM student_state_computed;",
    /* 7: what the lists of the screens read in order, and the row counts of
     * the tables that grow, kept by triggers so that `status` need not
     * count them (the few forms and counsellors it still counts). */
    "CREATE INDEX records_occurred ON records(occurred_at);"
    "CREATE INDEX students_class_number ON students(class, number);"
    "CREATE INDEX students_merged ON students(merged_into) WHERE merged_into IS NOT NULL;"
    /* Child keys, so that writing a record never scans for references. */
    "CREATE INDEX followups_met_by ON followups(met_by);"
    "CREATE INDEX flags_record ON flags(record_id, flag);"
    /* A student file shows cleared flags too, with who, when and why. */
    "CREATE INDEX flags_student_cleared ON flags(student_id, id) WHERE cleared_at IS NOT NULL;"
    "CREATE TABLE row_counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO row_counts(name, n)"
    " SELECT 'amendments', count(*) FROM amendments UNION ALL"
    " SELECT 'audit', count(*) FROM audit UNION ALL"
    " SELECT 'flags', count(*) FROM flags UNION ALL"
    " SELECT 'followups', count(*) FROM followups UNION ALL"
    " SELECT 'records', count(*) FROM records UNION ALL"
    " SELECT 'students', count(*) FROM students;"
    "CREATE TRIGGER amendments_counted_in AFTER INSERT ON amendments BEGIN UPDATE row_counts SET n = n + 1 WHERE name = 'amendments'; END;"
    "CREATE TRIGGER amendments_counted_out AFTER DELETE ON amendments BEGIN UPDATE row_counts SET n = n - 1 WHERE name = 'amendments'; END;"
    "CREATE TRIGGER audit_counted_in AFTER INSERT ON audit BEGIN UPDATE row_counts SET n = n + 1 WHERE name = 'audit'; END;"
    "CREATE TRIGGER audit_counted_out AFTER DELETE ON audit BEGIN UPDATE row_counts SET n = n - 1 WHERE name = 'audit'; END;"
    "CREATE TRIGGER flags_counted_in AFTER INSERT ON flags BEGIN UPDATE row_counts SET n = n + 1 WHERE name = 'flags'; END;"
    "CREATE TRIGGER flags_counted_out AFTER DELETE ON flags BEGIN UPDATE row_counts SET n = n - 1 WHERE name = 'flags'; END;"
    "CREATE TRIGGER followups_counted_in AFTER INSERT ON followups BEGIN UPDATE row_counts SET n = n + 1 WHERE name = 'followups'; END;"
    "CREATE TRIGGER followups_counted_out AFTER DELETE ON followups BEGIN UPDATE row_counts SET n = n - 1 WHERE name = 'followups'; END;"
    "CREATE TRIGGER records_counted_in AFTER INSERT ON records BEGIN UPDATE row_counts SET n = n + 1 WHERE name = 'records'; END;"
    "CREATE TRIGGER records_counted_out AFTER DELETE ON records BEGIN UPDATE row_counts SET n = n - 1 WHERE name = 'records'; END;"
    "CREATE TRIGGER students_counted_in AFTER INSERT ON students BEGIN UPDATE row_counts SET n = n + 1 WHERE name = 'students'; END;"
    "CREATE TRIGGER students_counted_out AFTER DELETE ON students BEGIN UPDATE row_counts SET n = n - 1 WHERE name = 'students'; END;",

    /* 8: full-text search (search.h). One row per record; the rowid is
     * carelog_search_key(occurred_at, id), minutes since 1970 above the
     * record id, so FTS5 hands matches over newest first and a page of
     * results stops early. The triggers keep it in step inside every
     * write's transaction; secure-delete so text edited away leaves the
     * index pages. The existing records are indexed here, once. */
    "CREATE VIRTUAL TABLE search_fts USING fts5(body, pinyin, tokenize = 'carelog');"
    "INSERT INTO search_fts(search_fts, rank) VALUES ('secure-delete', 1);"
    "CREATE TRIGGER search_record_added AFTER INSERT ON records BEGIN"
    "  INSERT INTO search_fts(rowid, body, pinyin)"
    "    VALUES (carelog_search_key(new.occurred_at, new.id), carelog_search_body(new.id),"
    "            carelog_search_pinyin(new.id));"
    "END;"
    "CREATE TRIGGER search_record_changed AFTER UPDATE OF fields, form_id, kind, occurred_at ON records BEGIN"
    "  DELETE FROM search_fts WHERE rowid = carelog_search_key(old.occurred_at, old.id);"
    "  INSERT INTO search_fts(rowid, body, pinyin)"
    "    VALUES (carelog_search_key(new.occurred_at, new.id), carelog_search_body(new.id),"
    "            carelog_search_pinyin(new.id));"
    "END;"
    "CREATE TRIGGER search_record_removed AFTER DELETE ON records BEGIN"
    "  DELETE FROM search_fts WHERE rowid = carelog_search_key(old.occurred_at, old.id);"
    "END;"
    "CREATE TRIGGER search_amendment_added AFTER INSERT ON amendments BEGIN"
    "  DELETE FROM search_fts WHERE rowid ="
    "    (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id = new.record_id);"
    "  INSERT INTO search_fts(rowid, body, pinyin)"
    "    SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    "    FROM records WHERE id = new.record_id;"
    "END;"
    "CREATE TRIGGER search_amendment_changed AFTER UPDATE ON amendments BEGIN"
    "  DELETE FROM search_fts WHERE rowid IN"
    "    (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id IN (old.record_id, new.record_id));"
    "  INSERT INTO search_fts(rowid, body, pinyin)"
    "    SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    "    FROM records WHERE id IN (old.record_id, new.record_id);"
    "END;"
    "CREATE TRIGGER search_amendment_removed AFTER DELETE ON amendments BEGIN"
    "  DELETE FROM search_fts WHERE rowid ="
    "    (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id = old.record_id);"
    "  INSERT INTO search_fts(rowid, body, pinyin)"
    "    SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    "    FROM records WHERE id = old.record_id;"
    "END;"
    "CREATE TRIGGER search_transition_added AFTER INSERT ON referral_transitions BEGIN"
    "  DELETE FROM search_fts WHERE rowid ="
    "    (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id = new.record_id);"
    "  INSERT INTO search_fts(rowid, body, pinyin)"
    "    SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    "    FROM records WHERE id = new.record_id;"
    "END;"
    "CREATE TRIGGER search_transition_changed AFTER UPDATE ON referral_transitions BEGIN"
    "  DELETE FROM search_fts WHERE rowid IN"
    "    (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id IN (old.record_id, new.record_id));"
    "  INSERT INTO search_fts(rowid, body, pinyin)"
    "    SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    "    FROM records WHERE id IN (old.record_id, new.record_id);"
    "END;"
    "CREATE TRIGGER search_transition_removed AFTER DELETE ON referral_transitions BEGIN"
    "  DELETE FROM search_fts WHERE rowid ="
    "    (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id = old.record_id);"
    "  INSERT INTO search_fts(rowid, body, pinyin)"
    "    SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    "    FROM records WHERE id = old.record_id;"
    "END;"
    "INSERT INTO search_fts(rowid, body, pinyin)"
    "  SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id) FROM records;",

    /* 9: drafts of records being written on screen, kept when the screen locks
     * or the terminal dies (draft.h). */
    "CREATE TABLE drafts ("
    "  id INTEGER PRIMARY KEY,"
    "  author TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  student_id INTEGER REFERENCES students(id),"
    "  record_id INTEGER REFERENCES records(id),"
    "  base_version INTEGER NOT NULL DEFAULT 0,"
    "  fields TEXT NOT NULL,"
    "  saved_at TEXT NOT NULL);"
    "CREATE INDEX drafts_author ON drafts(author, saved_at);",

    /* 10: each teachers' roster published (teacher_roster.h); the counter
     * only grows, so a teacher refuses an older roster put back. */
    "CREATE TABLE roster_publications ("
    "  counter INTEGER PRIMARY KEY,"
    "  published_at TEXT NOT NULL,"
    "  published_by TEXT NOT NULL,"
    "  classes TEXT NOT NULL,"
    "  students INTEGER NOT NULL,"
    "  teachers INTEGER NOT NULL,"
    "  path TEXT NOT NULL);",

    /* 11: a replay is recognised by the signature's hash (envelope.c), not
     * by the export or receipt id alone: those ids show in the plaintext
     * .minisig, and a second trusted sender reusing one first must not
     * block the real file. The ids stay unique per sender. SQLite cannot
     * drop a UNIQUE, so the three office tables and the school's receipts
     * are rebuilt (children first, so the drops leave no dangling
     * reference; RENAME then points the children at the new parents).
     * Then the tables of a student's transfer between school vaults. */
    "CREATE TABLE received_bundles_rebuilt ("
    "  id INTEGER PRIMARY KEY,"
    "  export_id TEXT NOT NULL,"
    "  school_id INTEGER NOT NULL REFERENCES trusted_schools(id),"
    "  referral_id INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  sent_at TEXT NOT NULL,"
    "  received_at TEXT NOT NULL,"
    "  received_by TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'received',"
    "  state_at TEXT NOT NULL,"
    "  manifest TEXT NOT NULL,"
    "  signature_hash BLOB UNIQUE,"          /* NULL for bundles received before 10 */
    "  UNIQUE (school_id, export_id));"
    "INSERT INTO received_bundles_rebuilt(id, export_id, school_id, referral_id, sha256, sent_at, received_at,"
    " received_by, state, state_at, manifest)"
    " SELECT id, export_id, school_id, referral_id, sha256, sent_at, received_at, received_by, state, state_at,"
    " manifest FROM received_bundles;"
    "CREATE TABLE received_files_rebuilt ("
    "  bundle_id INTEGER NOT NULL REFERENCES received_bundles_rebuilt(id),"
    "  name TEXT NOT NULL,"
    "  content BLOB NOT NULL,"
    "  PRIMARY KEY (bundle_id, name));"
    "INSERT INTO received_files_rebuilt(bundle_id, name, content) SELECT bundle_id, name, content FROM received_files;"
    "CREATE TABLE receipts_sent_rebuilt ("
    "  receipt_id TEXT PRIMARY KEY,"
    "  bundle_id INTEGER NOT NULL REFERENCES received_bundles_rebuilt(id),"
    "  status TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  file TEXT NOT NULL);"
    "INSERT INTO receipts_sent_rebuilt(receipt_id, bundle_id, status, note, at, actor, file)"
    " SELECT receipt_id, bundle_id, status, note, at, actor, file FROM receipts_sent;"
    "DROP TABLE receipts_sent;"
    "DROP TABLE received_files;"
    "DROP TABLE received_bundles;"
    "ALTER TABLE received_bundles_rebuilt RENAME TO received_bundles;"
    "ALTER TABLE received_files_rebuilt RENAME TO received_files;"
    "ALTER TABLE receipts_sent_rebuilt RENAME TO receipts_sent;"
    "CREATE INDEX received_bundles_school ON received_bundles(school_id, state);"
    "CREATE INDEX receipts_sent_bundle ON receipts_sent(bundle_id);"
    "CREATE TABLE receipts_imported_rebuilt ("
    "  id INTEGER PRIMARY KEY,"
    "  receipt_id TEXT NOT NULL,"
    "  export_id TEXT NOT NULL REFERENCES bundle_exports(export_id),"
    "  status TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  office_at TEXT NOT NULL,"
    "  imported_at TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  signature_hash BLOB UNIQUE,"
    "  UNIQUE (export_id, receipt_id));"
    "INSERT INTO receipts_imported_rebuilt(receipt_id, export_id, status, note, office_at, imported_at, actor)"
    " SELECT receipt_id, export_id, status, note, office_at, imported_at, actor FROM receipts_imported ORDER BY rowid;"
    "DROP TABLE receipts_imported;"
    "ALTER TABLE receipts_imported_rebuilt RENAME TO receipts_imported;"
    /* A student sent to another school (transfer.h): the school it went to
     * is one this vault trusts (trusted_schools, `school add`). */
    "CREATE TABLE transfers_out ("
    "  transfer_id TEXT PRIMARY KEY,"
    "  student_id INTEGER NOT NULL REFERENCES students(id),"
    "  school_id INTEGER NOT NULL REFERENCES trusted_schools(id),"
    "  file TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  records INTEGER NOT NULL,"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL);"
    "CREATE INDEX transfers_out_student ON transfers_out(student_id);"
    "CREATE TABLE transfers_in ("
    "  id INTEGER PRIMARY KEY,"
    "  transfer_id TEXT NOT NULL,"
    "  school_id INTEGER NOT NULL REFERENCES trusted_schools(id),"
    "  signature_hash BLOB NOT NULL UNIQUE,"
    "  source_student_id INTEGER NOT NULL,"
    "  student_id INTEGER NOT NULL REFERENCES students(id),"
    "  sha256 TEXT NOT NULL,"
    "  sent_at TEXT NOT NULL,"
    "  received_at TEXT NOT NULL,"
    "  received_by TEXT NOT NULL,"
    "  manifest TEXT NOT NULL,"
    "  UNIQUE (school_id, transfer_id));"
    /* Each record received with a transfer, and its id at the sending
     * school, which its signature names. */
    "CREATE TABLE transferred_records ("
    "  record_id INTEGER PRIMARY KEY REFERENCES records(id),"
    "  transfer_in_id INTEGER NOT NULL REFERENCES transfers_in(id),"
    "  source_record_id INTEGER NOT NULL);"
    "CREATE INDEX transferred_records_transfer ON transferred_records(transfer_in_id);",
    /* 12: the search triggers step aside while a writer of many records
     * defers indexing to its commit (search.h, cl_search_defer: FTS5
     * writes a segment at every savepoint, so record by record inside one
     * transaction is a segment each); carelog_search_defer queues the
     * record (with the key it is indexed under: given, or looked up) and
     * says so, or says 0 and the trigger indexes as before. A
     * referral move re-dated keeps its search text (record_id, from_state
     * and note are what is indexed), so only those columns reindex it. */
    "DROP TRIGGER IF EXISTS search_record_added; DROP TRIGGER IF EXISTS search_record_changed;"
    "DROP TRIGGER IF EXISTS search_record_removed; DROP TRIGGER IF EXISTS search_amendment_added;"
    "DROP TRIGGER IF EXISTS search_amendment_changed; DROP TRIGGER IF EXISTS search_amendment_removed;"
    "DROP TRIGGER IF EXISTS search_transition_added; DROP TRIGGER IF EXISTS search_transition_changed;"
    "DROP TRIGGER IF EXISTS search_transition_removed;"
    "CREATE TRIGGER search_record_added AFTER INSERT ON records"
    " WHEN NOT carelog_search_defer(new.id, 0) BEGIN"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " VALUES (carelog_search_key(new.occurred_at, new.id), carelog_search_body(new.id),"
    " carelog_search_pinyin(new.id));"
    "END;"
    "CREATE TRIGGER search_record_changed AFTER UPDATE OF fields, form_id, kind, occurred_at ON records"
    " WHEN NOT carelog_search_defer(old.id, carelog_search_key(old.occurred_at, old.id)) BEGIN"
    " DELETE FROM search_fts WHERE rowid = carelog_search_key(old.occurred_at, old.id);"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " VALUES (carelog_search_key(new.occurred_at, new.id), carelog_search_body(new.id),"
    " carelog_search_pinyin(new.id));"
    "END;"
    "CREATE TRIGGER search_record_removed AFTER DELETE ON records"
    " WHEN NOT carelog_search_defer(old.id, carelog_search_key(old.occurred_at, old.id)) BEGIN"
    " DELETE FROM search_fts WHERE rowid = carelog_search_key(old.occurred_at, old.id);"
    "END;"
    "CREATE TRIGGER search_amendment_added AFTER INSERT ON amendments"
    " WHEN NOT carelog_search_defer(new.record_id) BEGIN"
    " DELETE FROM search_fts WHERE rowid ="
    " (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id = new.record_id);"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    " FROM records WHERE id = new.record_id;"
    "END;"
    "CREATE TRIGGER search_amendment_changed AFTER UPDATE ON amendments"
    " WHEN NOT (carelog_search_defer(old.record_id) + carelog_search_defer(new.record_id)) BEGIN"
    " DELETE FROM search_fts WHERE rowid IN"
    " (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id IN (old.record_id, new.record_id));"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    " FROM records WHERE id IN (old.record_id, new.record_id);"
    "END;"
    "CREATE TRIGGER search_amendment_removed AFTER DELETE ON amendments"
    " WHEN NOT carelog_search_defer(old.record_id) BEGIN"
    " DELETE FROM search_fts WHERE rowid ="
    " (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id = old.record_id);"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    " FROM records WHERE id = old.record_id;"
    "END;"
    "CREATE TRIGGER search_transition_added AFTER INSERT ON referral_transitions"
    " WHEN NOT carelog_search_defer(new.record_id) BEGIN"
    " DELETE FROM search_fts WHERE rowid ="
    " (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id = new.record_id);"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    " FROM records WHERE id = new.record_id;"
    "END;"
    "CREATE TRIGGER search_transition_changed AFTER UPDATE OF record_id, from_state, note ON referral_transitions"
    " WHEN NOT (carelog_search_defer(old.record_id) + carelog_search_defer(new.record_id)) BEGIN"
    " DELETE FROM search_fts WHERE rowid IN"
    " (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id IN (old.record_id, new.record_id));"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    " FROM records WHERE id IN (old.record_id, new.record_id);"
    "END;"
    "CREATE TRIGGER search_transition_removed AFTER DELETE ON referral_transitions"
    " WHEN NOT carelog_search_defer(old.record_id) BEGIN"
    " DELETE FROM search_fts WHERE rowid ="
    " (SELECT carelog_search_key(occurred_at, id) FROM records WHERE id = old.record_id);"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    " FROM records WHERE id = old.record_id;"
    "END;",
    /* 13: the search index's rowids ascend newest first (search.h,
     * cl_search_key), which FTS5 reads many times faster than backwards:
     * every row is made again under its new key. */
    CL_SEARCH_REINDEX_SQL,


    /* 14: the attention list's open flags read a page at a time, oldest
     * first (agenda.h). */
    "CREATE INDEX flags_open_raised ON flags(raised_at, id) WHERE cleared_at IS NULL;",
    /* 15: the orders the screens' students list offers (cl_student_sort),
     * each an index walk; and the records of each day (students' details
     * left out) kept by triggers, so the home chart of records per week
     * reads 84 rows, not the records of 84 days. */
    "CREATE INDEX students_name_number ON students(name, number);"
    "CREATE INDEX students_risk ON students(risk_level DESC, class, number);"
    "CREATE INDEX student_state_due ON student_state(coalesce(next_due, '9999-12-31'));"
    "CREATE TABLE record_days (day TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
    "INSERT INTO record_days(day, n)"
    " SELECT substr(occurred_at, 1, 10), count(*) FROM records WHERE kind <> 'student' GROUP BY 1;"
    "CREATE TRIGGER record_days_in AFTER INSERT ON records WHEN new.kind <> 'student' BEGIN"
    "  INSERT INTO record_days(day, n) VALUES (substr(new.occurred_at, 1, 10), 1)"
    "    ON CONFLICT(day) DO UPDATE SET n = n + 1;"
    "END;"
    "CREATE TRIGGER record_days_out AFTER DELETE ON records WHEN old.kind <> 'student' BEGIN"
    "  UPDATE record_days SET n = n - 1 WHERE day = substr(old.occurred_at, 1, 10);"
    "END;"
    "CREATE TRIGGER record_days_moved AFTER UPDATE OF occurred_at, kind ON records BEGIN"
    "  UPDATE record_days SET n = n - 1 WHERE old.kind <> 'student' AND day = substr(old.occurred_at, 1, 10);"
    "  INSERT INTO record_days(day, n) SELECT substr(new.occurred_at, 1, 10), 1 WHERE new.kind <> 'student'"
    "    ON CONFLICT(day) DO UPDATE SET n = n + 1;"
    "END;",
    /* 16: the follow-up rule of 5, said so that each obligation is a few
     * index seeks rather than a walk of the student's history, so a write
     * costs the same on the thousandth record as on the first
     * (followup_state.c recomputes only the obligations a write can
     * change). The rule is the same: the fitting records (followup_meets)
     * of a later day than the record, at most 7 days before the planned
     * date; the earliest day's lowest id meets it. A record's time is
     * YYYY-MM-DD or YYYY-MM-DDTHH:MM, so "a later day" is "at or after the
     * next day's date" as text, which an index answers; the earliest day
     * (followups_earliest) is the least time of each fitting kind (one
     * seek each), and the lowest id that day a short range. test_derived
     * compares these views with the text of 5 and 6 on random histories. */
    "DROP VIEW followups_computed;"
    "CREATE VIEW followups_planned AS"
    " SELECT r.id AS record_id, r.student_id, r.kind, substr(r.occurred_at, 1, 10) AS set_on, r.follow_up AS due_date,"
    "  CASE WHEN EXISTS (SELECT 1 FROM followup_meets k WHERE k.set_kind = r.kind) THEN r.kind ELSE '*' END AS set_kind,"
    "  max(date(substr(r.occurred_at, 1, 10), '+1 day'), date(r.follow_up, '-7 days')) AS meets_from"
    " FROM records r WHERE r.follow_up IS NOT NULL AND r.follow_up <> '' AND r.kind <> 'student';"
    "CREATE VIEW followups_earliest AS"
    " SELECT p.*,"
    "  (SELECT min((SELECT min(c.occurred_at) FROM records c"
    "     WHERE c.student_id = p.student_id AND c.kind = m.meet_kind AND c.occurred_at >= p.meets_from))"
    "   FROM followup_meets m WHERE m.set_kind = p.set_kind) AS met_at"
    " FROM followups_planned p;"
    "CREATE VIEW followups_computed AS"
    " SELECT e.record_id, e.student_id, e.kind, e.set_on, e.due_date,"
    "  (SELECT min(c.id) FROM records c"
    "    WHERE c.student_id = e.student_id"
    "      AND c.kind IN (SELECT m.meet_kind FROM followup_meets m WHERE m.set_kind = e.set_kind)"
    "      AND c.occurred_at >= substr(e.met_at, 1, 10) AND c.occurred_at < date(e.met_at, '+1 day')) AS met_by"
    " FROM followups_earliest e;"
    /* The last direct contact likewise: the latest time of each kind that
     * counts (one seek each); its day is the latest day. */
    "DROP VIEW student_state_computed;"
    "CREATE VIEW student_state_computed AS"
    " SELECT student_id, followed, last_contact, open_flags, risk_level,"
    "  policy_basis, policy_value, policy_days, policy_due,"
    "  CASE WHEN policy_due IS NOT NULL AND (fu_due IS NULL OR policy_due <= fu_due) THEN policy_due ELSE fu_due END"
    "   AS next_due,"
    "  CASE WHEN policy_due IS NOT NULL AND (fu_due IS NULL OR policy_due <= fu_due) THEN NULL ELSE fu_record END"
    "   AS next_record_id"
    " FROM (SELECT b.*, p.basis AS policy_basis, p.value AS policy_value, p.days AS policy_days,"
    "  CASE WHEN b.followed AND p.days IS NOT NULL"
    "   THEN date(coalesce(b.last_contact, b.on_file), '+' || p.days || ' days') END AS policy_due,"
    "  (SELECT f.due_date FROM followups f WHERE f.student_id = b.student_id AND f.open"
    "    ORDER BY f.due_date, f.record_id LIMIT 1) AS fu_due,"
    "  (SELECT f.record_id FROM followups f WHERE f.student_id = b.student_id AND f.open"
    "    ORDER BY f.due_date, f.record_id LIMIT 1) AS fu_record"
    "  FROM (SELECT s.id AS student_id,"
    "    (s.status IN ('active', 'monitoring') AND s.merged_into IS NULL) AS followed, s.risk_level,"
    "    substr(sr.occurred_at, 1, 10) AS on_file,"
    "    json_extract(sr.fields, '$.circumstances') AS circumstances,"
    "    substr((SELECT max((SELECT max(c.occurred_at) FROM records c WHERE c.student_id = s.id"
    "      AND c.kind = m.meet_kind)) FROM followup_meets m WHERE m.set_kind = 'policy'), 1, 10) AS last_contact,"
    "    (SELECT count(*) FROM flags g WHERE g.student_id = s.id AND g.cleared_at IS NULL) AS open_flags"
    "   FROM students s LEFT JOIN records sr ON sr.id = s.record_id) b"
    "  LEFT JOIN followup_policies p ON p.rowid ="
    "   (SELECT q.rowid FROM followup_policies q"
    "     WHERE (q.basis = 'risk' AND q.value = CAST(b.risk_level AS TEXT))"
    "        OR (q.basis = 'circumstance' AND EXISTS"
    "            (SELECT 1 FROM json_each(b.circumstances) j WHERE j.value = q.value))"
    "     ORDER BY q.days, q.basis DESC, q.value LIMIT 1));"
    /* The obligations a record can still meet (never met), and each
     * student's earliest open one (student_state), as index ranges. */
    "CREATE INDEX followups_unmet ON followups(student_id, due_date) WHERE met_by IS NULL;"
    "CREATE INDEX followups_student_open ON followups(student_id, due_date, record_id) WHERE open;",
    /* 17: what the screens filter and ask for at scale. Each student's
     * last session (YYYY-MM-DD), kept with the rest of the derived state,
     * so "crisis level, no session in 7 days" on the home screen and in
     * `carelog agenda` is one range of an index (followup.h,
     * cl_followup_crisis_page) instead of a look at every crisis-level
     * student's records. The rule of student_state gains the column;
     * otherwise it is entry 16's. */
    "ALTER TABLE student_state ADD COLUMN last_session TEXT;"
    "DROP VIEW student_state_computed;"
    "CREATE VIEW student_state_computed AS"
    " SELECT student_id, followed, last_contact, open_flags, risk_level,"
    "  policy_basis, policy_value, policy_days, policy_due,"
    "  CASE WHEN policy_due IS NOT NULL AND (fu_due IS NULL OR policy_due <= fu_due) THEN policy_due ELSE fu_due END"
    "   AS next_due,"
    "  CASE WHEN policy_due IS NOT NULL AND (fu_due IS NULL OR policy_due <= fu_due) THEN NULL ELSE fu_record END"
    "   AS next_record_id,"
    "  last_session"
    " FROM (SELECT b.*, p.basis AS policy_basis, p.value AS policy_value, p.days AS policy_days,"
    "  CASE WHEN b.followed AND p.days IS NOT NULL"
    "   THEN date(coalesce(b.last_contact, b.on_file), '+' || p.days || ' days') END AS policy_due,"
    "  (SELECT f.due_date FROM followups f WHERE f.student_id = b.student_id AND f.open"
    "    ORDER BY f.due_date, f.record_id LIMIT 1) AS fu_due,"
    "  (SELECT f.record_id FROM followups f WHERE f.student_id = b.student_id AND f.open"
    "    ORDER BY f.due_date, f.record_id LIMIT 1) AS fu_record"
    "  FROM (SELECT s.id AS student_id,"
    "    (s.status IN ('active', 'monitoring') AND s.merged_into IS NULL) AS followed, s.risk_level,"
    "    substr(sr.occurred_at, 1, 10) AS on_file,"
    "    json_extract(sr.fields, '$.circumstances') AS circumstances,"
    "    substr((SELECT max((SELECT max(c.occurred_at) FROM records c WHERE c.student_id = s.id"
    "      AND c.kind = m.meet_kind)) FROM followup_meets m WHERE m.set_kind = 'policy'), 1, 10) AS last_contact,"
    /* max() of the bare column, so it is one step into records_student_kind */
    "    substr((SELECT max(c.occurred_at) FROM records c WHERE c.student_id = s.id AND c.kind = 'session'), 1, 10)"
    "     AS last_session,"
    "    (SELECT count(*) FROM flags g WHERE g.student_id = s.id AND g.cleared_at IS NULL) AS open_flags"
    "   FROM students s LEFT JOIN records sr ON sr.id = s.record_id) b"
    "  LEFT JOIN followup_policies p ON p.rowid ="
    "   (SELECT q.rowid FROM followup_policies q"
    "     WHERE (q.basis = 'risk' AND q.value = CAST(b.risk_level AS TEXT))"
    "        OR (q.basis = 'circumstance' AND EXISTS"
    "            (SELECT 1 FROM json_each(b.circumstances) j WHERE j.value = q.value))"
    "     ORDER BY q.days, q.basis DESC, q.value LIMIT 1));"
    "UPDATE student_state SET last_session = substr((SELECT max(c.occurred_at) FROM records c"
    " WHERE c.student_id = student_state.student_id AND c.kind = 'session'), 1, 10);"
    /* Never seen ('') first, then the longest since a session. */
    "CREATE INDEX student_state_crisis ON student_state(risk_level, coalesce(last_session, ''), student_id)"
    " WHERE followed;"
    /* The students list with a risk filter in name or due-date order: a
     * range of an index in that order, not a sort of a whole level. */
    "CREATE INDEX students_risk_name ON students(risk_level, name, number);"
    "CREATE INDEX student_state_risk_due ON student_state(risk_level, coalesce(next_due, '9999-12-31'));"
    /* The circumstances of each student's details record, kept by
     * triggers, so the students list filtered by one (留守, 残疾…) is a
     * range of an index, not a parse of every student's record (checked
     * and rebuilt by `carelog verify-derived`). */
    "CREATE TABLE student_circumstances ("
    "  circumstance TEXT NOT NULL,"
    "  record_id INTEGER NOT NULL REFERENCES records(id),"
    "  PRIMARY KEY (circumstance, record_id)) WITHOUT ROWID;"
    "CREATE INDEX student_circumstances_record ON student_circumstances(record_id);"
    "INSERT OR IGNORE INTO student_circumstances(circumstance, record_id)"
    " SELECT j.value, r.id FROM records r, json_each(r.fields, '$.circumstances') j WHERE r.kind = 'student';"
    "CREATE TRIGGER student_circumstances_in AFTER INSERT ON records WHEN new.kind = 'student' BEGIN"
    "  INSERT OR IGNORE INTO student_circumstances(circumstance, record_id)"
    "   SELECT j.value, new.id FROM json_each(new.fields, '$.circumstances') j;"
    "END;"
    "CREATE TRIGGER student_circumstances_changed AFTER UPDATE OF fields, kind ON records"
    " WHEN old.kind = 'student' OR new.kind = 'student' BEGIN"
    "  DELETE FROM student_circumstances WHERE record_id = old.id;"
    "  INSERT OR IGNORE INTO student_circumstances(circumstance, record_id)"
    "   SELECT j.value, new.id FROM json_each(new.fields, '$.circumstances') j WHERE new.kind = 'student';"
    "END;"
    "CREATE TRIGGER student_circumstances_out AFTER DELETE ON records WHEN old.kind = 'student' BEGIN"
    "  DELETE FROM student_circumstances WHERE record_id = old.id;"
    "END;",
    /* 18: `record list` of everything walks one index in its own order,
     * newest first, that holds every column a list row shows
     * (cl_record_each), instead of fetching each record from the table:
     * records written out of time order (an import, a transfer, the
     * generator) cost a page read and decryption per row that way. */
    "CREATE INDEX records_listed ON records(occurred_at, id, kind, student_id, author, form_id, follow_up, state,"
    " signed_at, version, score, fields);",
    /* 19: each referral's state and since (when it entered that state: its
     * last move, else its writing) kept by triggers, so the referrals late
     * in the loop are a range of an index per state, read a page at a time
     * (cl_referral_late_each), not every referral that could be late. */
    "CREATE TABLE referral_waits ("
    "  record_id INTEGER PRIMARY KEY,"
    "  state TEXT NOT NULL,"
    "  since TEXT NOT NULL);"
    "CREATE INDEX referral_waits_late ON referral_waits(state, since, record_id);"
    REFERRAL_WAITS_OF " WHERE r.kind = 'referral';"
    "CREATE TRIGGER referral_waits_added AFTER INSERT ON records WHEN new.kind = 'referral' BEGIN"
    "  DELETE FROM referral_waits WHERE record_id = new.id;"
    "  " REFERRAL_WAITS_OF " WHERE r.id = new.id;"
    "END;"
    "CREATE TRIGGER referral_waits_changed AFTER UPDATE OF id, kind, state, created_at ON records BEGIN"
    "  DELETE FROM referral_waits WHERE record_id IN (old.id, new.id);"
    "  " REFERRAL_WAITS_OF " WHERE r.id = new.id AND r.kind = 'referral';"
    "END;"
    REFERRAL_WAITS_REMOVED
    "CREATE TRIGGER referral_waits_moved AFTER INSERT ON referral_transitions BEGIN"
    "  DELETE FROM referral_waits WHERE record_id = new.record_id;"
    "  " REFERRAL_WAITS_OF " WHERE r.id = new.record_id AND r.kind = 'referral';"
    "END;"
    REFERRAL_WAITS_REDATED
    "CREATE TRIGGER referral_waits_unmoved AFTER DELETE ON referral_transitions BEGIN"
    "  DELETE FROM referral_waits WHERE record_id = old.record_id;"
    "  " REFERRAL_WAITS_OF " WHERE r.id = old.record_id AND r.kind = 'referral';"
    "END;",
    /* 20: the filters kind:, author: and class: as words of the index
     * (search_internal.h, cl_search_filter_key), beside a student's pinyin
     * keys, so a rare kind or a class is intersected by FTS5 itself; a
     * record moved to another student (a merge), given another author (an
     * accepted observation) or whose student changes class is indexed
     * again, and every row is made again with its keys. */
    "CREATE TRIGGER search_record_moved AFTER UPDATE OF student_id, author ON records"
    " WHEN (old.student_id IS NOT new.student_id OR old.author IS NOT new.author)"
    " AND NOT carelog_search_defer(old.id, carelog_search_key(old.occurred_at, old.id)) BEGIN"
    " DELETE FROM search_fts WHERE rowid = carelog_search_key(old.occurred_at, old.id);"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " VALUES (carelog_search_key(new.occurred_at, new.id), carelog_search_body(new.id),"
    " carelog_search_pinyin(new.id));"
    "END;"
    /* carelog_search_defer queues a record at its first call and answers 1
     * for it from then on: with deferral on, neither statement touches the
     * index and the commit indexes each record once. */
    "CREATE TRIGGER search_student_class AFTER UPDATE OF class ON students"
    " WHEN old.class IS NOT new.class BEGIN"
    " DELETE FROM search_fts WHERE rowid IN (SELECT carelog_search_key(occurred_at, id) FROM records"
    " WHERE student_id = new.id AND NOT carelog_search_defer(id));"
    " INSERT INTO search_fts(rowid, body, pinyin)"
    " SELECT carelog_search_key(occurred_at, id), carelog_search_body(id), carelog_search_pinyin(id)"
    " FROM records WHERE student_id = new.id AND NOT carelog_search_defer(id);"
    "END;" CL_SEARCH_REINDEX_SQL,
    /* 21: the home chart of students by risk and a risk filter's count,
     * read from this index alone (no row of students looked up). */
    "CREATE INDEX students_risk_merged ON students(risk_level, merged_into);",
    /* The open follow-ups as the due list and the agenda read them, the
     * reason's kind and day included, so a row of the list never reads a
     * row of followups (which holds every follow-up ever set); open is a
     * column too, as SQLite takes an index as covering only when it holds
     * every column the statement names. The count of what is due reads
     * the same indexes. */
    "DROP INDEX followups_open_due;"
    "CREATE INDEX followups_open_listed ON followups(due_date, student_id, kind, set_on, open) WHERE open;"
    /* The same for each student's policy date: the rows of a day are next
     * to each other in the index, where in student_state they are spread
     * over every page (the first list after unlock reads each page). */
    "DROP INDEX student_state_policy_due;"
    "CREATE INDEX student_state_policy_listed ON student_state(policy_due, student_id, policy_basis, policy_value,"
    " policy_days, last_contact) WHERE policy_due IS NOT NULL;",
    /* 23: a late referral's student, date, urgency and agency beside its
     * state in referral_waits, so the attention list's late referrals
     * are read from that small table and the students, not each from its
     * record (a page of the records table apiece, and its fields parsed:
     * most of the first attention list's cost after unlock). A record's
     * student (a merge), date or fields changing rewrites its row. */
    "DROP TRIGGER referral_waits_added; DROP TRIGGER referral_waits_changed; DROP TRIGGER referral_waits_removed;"
    "DROP TRIGGER referral_waits_moved; DROP TRIGGER referral_waits_redated; DROP TRIGGER referral_waits_unmoved;"
    "DROP TABLE referral_waits;"
    "CREATE TABLE referral_waits ("
    "  record_id INTEGER PRIMARY KEY,"
    "  state TEXT NOT NULL,"
    "  since TEXT NOT NULL,"
    "  student_id INTEGER NOT NULL,"
    "  occurred_at TEXT NOT NULL,"
    "  urgency TEXT,"
    "  agency TEXT,"
    "  agency_name TEXT);"
    "CREATE INDEX referral_waits_late ON referral_waits(state, since, record_id);"
    "CREATE VIEW referral_wait_rows(" CL_REFERRAL_WAIT_COLUMNS ") AS " CL_REFERRAL_WAIT_ROW
    " WHERE r.kind = 'referral';"
    REFERRAL_WAITS_ROW_OF ";"
    "CREATE TRIGGER referral_waits_added AFTER INSERT ON records WHEN new.kind = 'referral' BEGIN"
    "  DELETE FROM referral_waits WHERE record_id = new.id;"
    "  " REFERRAL_WAITS_ROW_OF " WHERE record_id = new.id;"
    "END;"
    "CREATE TRIGGER referral_waits_changed"
    " AFTER UPDATE OF id, kind, state, created_at, student_id, occurred_at, fields ON records"
    " WHEN old.kind = 'referral' OR new.kind = 'referral' BEGIN"
    "  DELETE FROM referral_waits WHERE record_id IN (old.id, new.id);"
    "  " REFERRAL_WAITS_ROW_OF " WHERE record_id = new.id;"
    "END;"
    REFERRAL_WAITS_REMOVED
    "CREATE TRIGGER referral_waits_moved AFTER INSERT ON referral_transitions BEGIN"
    "  DELETE FROM referral_waits WHERE record_id = new.record_id;"
    "  " REFERRAL_WAITS_ROW_OF " WHERE record_id = new.record_id;"
    "END;"
    REFERRAL_WAITS_REDATED
    "CREATE TRIGGER referral_waits_unmoved AFTER DELETE ON referral_transitions BEGIN"
    "  DELETE FROM referral_waits WHERE record_id = old.record_id;"
    "  " REFERRAL_WAITS_ROW_OF " WHERE record_id = old.record_id;"
    "END;",
    /* 24: every column the students' directory (student_directory.c)
     * and a whole list's sections read of a student, in the order of
     * number then id, so the first whole list after unlock reads this
     * narrow index (about half the pages of students) once, the
     * students' ranks in its order, instead of students whole and then
     * students_number, whose place it takes (its key is this one's first
     * column). The crisis-level students' index holds the last session
     * itself and followed, so their list reads no row of student_state
     * (a page apiece when cold). */
    "DROP INDEX students_number;"
    "CREATE INDEX students_directory ON students(number, id, name, class, risk_level, status, merged_into);"
    "DROP INDEX student_state_crisis;"
    "CREATE INDEX student_state_crisis ON student_state(risk_level, coalesce(last_session, ''), student_id,"
    " last_session, followed) WHERE followed;",
    NULL,
};

/* Every table of the vault, as migrations: entry i takes the schema from
 * version i to i+1. Never edit a released entry; append a new one. */
#include "carelog/search.h"
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

    /* 11: the search index's rowids ascend newest first (search.h,
     * cl_search_key), which FTS5 reads many times faster than backwards:
     * every row is made again under its new key. */
    CL_SEARCH_REINDEX_SQL,
    NULL,
};

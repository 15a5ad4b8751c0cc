/* Plaintext exports: a summary, a report or a ledger leaving the vault on
 * purpose. Each is written once, straight from memory into a new file of
 * mode 0600 (never over an existing one, never through a temporary file),
 * and audited twice: the intent, with the file's size and BLAKE2b hash,
 * before anything is written (so even an export cut short by a crash is on
 * record), and the outcome after. Asking the person first is the front's job
 * (cl_cli_confirm). */
#ifndef CARELOG_EXPORT_H
#define CARELOG_EXPORT_H

#include <stddef.h>

#include "carelog/status.h"
#include "carelog/vault.h"

/* action: the audit action ("export.referral"); target: what was exported
 * ("referral 12"); format: "pdf", "md", … for the log. Through
 * cl_vault_output_begin/end (vault.h), the audit log gets
 *   ACTION          PATH  "TARGET as FORMAT, N bytes, blake2b:HEX"  before
 *   ACTION.done     PATH                                            after
 *   ACTION.failed   PATH  the reason                                or so
 * An existing path is refused before anything is logged
 * (CL_ECANTCREATE). */
cl_status cl_export_write(cl_vault *v, const char *action, const char *target, const char *path,
                          const char *format, const unsigned char *data, size_t len);

#endif

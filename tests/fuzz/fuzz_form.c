/* Fuzz target for the form definition parser, and for everything a parsed
 * form then does with values, since a school may import any form text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carelog/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_form *f = NULL;
    if (cl_form_parse((const char *)data, size, "fuzz.form", &f) != CL_OK)
        return 0;

    json_t *empty = json_object();
    json_t *score = NULL;
    cl_form_validate(f, empty);
    if (cl_form_score(f, empty, &score) == CL_OK)
        json_decref(score);
    free(cl_form_render(f, empty, "zh"));

    /* Fill every field from text, as the command line would, then check,
     * score and render the record that results. */
    static const char *const inputs[] = { "1", "是", "2026-03-01 08:00", "a,b" };
    json_t *values = json_object();
    for (size_t i = 0; i < cl_form_field_count(f); i++) {
        const cl_field *fld = cl_form_field_at(f, i);
        for (size_t k = 0; k < sizeof inputs / sizeof *inputs; k++) {
            json_t *v = NULL;
            if (cl_form_value_from_text(f, fld->id, inputs[k], &v) == CL_OK) {
                json_object_set_new(values, fld->id, v);
                break;
            }
        }
        if (fld->n_choices)
            json_object_set_new(values, fld->id,
                                fld->type == CL_FIELD_MULTI
                                    ? json_pack("[s]", fld->choices[0].id)
                                    : json_string(fld->choices[0].id));
    }
    cl_form_validate(f, values);
    if (cl_form_score(f, values, &score) == CL_OK)
        json_decref(score);
    free(cl_form_render(f, values, "en"));
    json_decref(values);
    json_decref(empty);
    cl_form_free(f);
    return 0;
}

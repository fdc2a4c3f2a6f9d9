/* SPDX-License-Identifier: Apache-2.0 */
#include <brint/drop_reasons.h>

const char *const brint_drop_names[BRINT_DROP__MAX] = {
#define X(id, name, help) [BRINT_DROP_##id] = name,
    BRINT_DROP_REASONS(X)
#undef X
};

const char *const brint_drop_help[BRINT_DROP__MAX] = {
#define X(id, name, help) [BRINT_DROP_##id] = help,
    BRINT_DROP_REASONS(X)
#undef X
};

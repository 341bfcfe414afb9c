/*
 * test_identity.c - identity typing rules of model/identity.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../model/identity.h"

static void
typed(struct event *ev, const char *user, const char *uid)
{
    event_init(ev);
    ev->user = strv_from_cstr(user);
    ev->uid = strv_from_cstr(uid);
    identity_type_user(ev);
}

static void
assert_strv(struct strv v, const char *want)
{
    if (want == NULL) {
        assert_false(strv_present(v));
        return;
    }
    assert_true(strv_present(v));
    assert_int_equal(v.n, strlen(want));
    assert_memory_equal(v.p, want, v.n);
}

static void
test_split_windows(void **state)
{
    struct event ev;

    (void)state;
    typed(&ev, "CORP\\alice", NULL);
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_WINDOWS);
    assert_strv(ev.user_name, "alice");
    assert_strv(ev.user_domain, "CORP");
    assert_int_equal(ev.user_type, EV_USER_TYPE_REGULAR);
    assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_NONE);
}

static void
test_split_upn(void **state)
{
    struct event ev;

    (void)state;
    typed(&ev, "alice@corp.example", NULL);
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_UPN);
    assert_strv(ev.user_name, "alice");
    assert_strv(ev.user_domain, "corp.example");
    /* A lone trailing '@' is not a UPN. */
    typed(&ev, "alice@", NULL);
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_SIMPLE);
    assert_strv(ev.user_name, "alice@");
}

static void
test_split_dn(void **state)
{
    struct event ev;

    (void)state;
    typed(&ev, "CN=Smith\\, John,OU=Staff,DC=corp,DC=example", NULL);
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_DN);
    assert_strv(ev.user_name, "Smith\\, John");
    assert_strv(ev.user_domain, "corp.example");
    typed(&ev, "cn=svc,ou=x", NULL);
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_DN);
    assert_strv(ev.user_name, "svc");
    assert_strv(ev.user_domain, NULL);
}

static void
test_split_simple(void **state)
{
    struct event ev;

    (void)state;
    typed(&ev, "alice", "1000");
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_SIMPLE);
    assert_strv(ev.user_name, "alice");
    assert_strv(ev.user_domain, NULL);
    assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_UID);
    assert_int_equal(ev.user_type, EV_USER_TYPE_REGULAR);
    assert_false(identity_is_system(&ev));
}

static void
test_parser_fields_kept(void **state)
{
    struct event ev;

    (void)state;
    event_init(&ev);
    ev.user = strv_from_cstr("CORP\\alice");
    ev.user_name = strv_from_cstr("Alice");
    ev.username_type = EV_USERNAME_TYPE_UPN;
    ev.uid = strv_from_cstr("S-1-5-18");
    ev.user_id_type = EV_USER_ID_TYPE_OTHER;
    ev.user_type = EV_USER_TYPE_GUEST;
    identity_type_user(&ev);
    assert_strv(ev.user_name, "Alice");
    assert_strv(ev.user_domain, "CORP"); /* was unset: filled */
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_UPN);
    assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_OTHER);
    assert_int_equal(ev.user_type, EV_USER_TYPE_GUEST);

    /* Only a split name: typed from the name. */
    event_init(&ev);
    ev.user_name = strv_from_cstr("DWM-2");
    ev.user_domain = strv_from_cstr("Window Manager");
    identity_type_user(&ev);
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_WINDOWS);
    assert_int_equal(ev.user_type, EV_USER_TYPE_SYSTEM);
}

static void
test_sids(void **state)
{
    static const struct {
        const char *sid;
        enum ev_user_type t;
        bool system;
    } cases[] = {
        {"S-1-5-18", EV_USER_TYPE_SYSTEM, true},
        {"S-1-5-19", EV_USER_TYPE_SYSTEM, true},
        {"S-1-5-20", EV_USER_TYPE_SYSTEM, true},
        {"S-1-5-7", EV_USER_TYPE_ANONYMOUS, true},
        {"S-1-5-32-544", EV_USER_TYPE_ADMIN, false},
        {"S-1-5-21-1004336348-1177238915-682003330-500", EV_USER_TYPE_ADMIN,
         false},
        {"S-1-5-21-1004336348-1177238915-682003330-501", EV_USER_TYPE_GUEST,
         false},
        {"S-1-5-21-1004336348-1177238915-682003330-1104", EV_USER_TYPE_REGULAR,
         false},
        {"S-1-5-80-3880718306-3832830129-1677859214-2598158968-1052248003",
         EV_USER_TYPE_SERVICE, true},
        {"S-1-5-82-1036420768-1044797643-1061213386-2937092688-4282445334",
         EV_USER_TYPE_SERVICE, true},
        {"S-1-5-90-0-1", EV_USER_TYPE_SYSTEM, true},
        {"S-1-5-96-0-0", EV_USER_TYPE_SYSTEM, true},
        {"S-1-5-90-1-1", EV_USER_TYPE_REGULAR, false},
        {"S-1-5-18-1", EV_USER_TYPE_REGULAR, false},
        {"S-1-5-x", EV_USER_TYPE_REGULAR, false},
        {"S-1-12-1-1", EV_USER_TYPE_REGULAR, false},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        typed(&ev, NULL, cases[i].sid);
        assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_SID);
        assert_int_equal(ev.user_type, cases[i].t);
        assert_int_equal(identity_is_system(&ev), cases[i].system);
    }
}

static void
test_sid_beats_name(void **state)
{
    struct event ev;

    (void)state;
    /* A well-known SID decides even when the name looks regular. */
    typed(&ev, "CORP\\alice", "S-1-5-18");
    assert_int_equal(ev.user_type, EV_USER_TYPE_SYSTEM);
    /* A domain SID with an ordinary RID leaves it to the name. */
    typed(&ev, "CORP\\WS01$", "S-1-5-21-1-2-3-1105");
    assert_int_equal(ev.user_type, EV_USER_TYPE_MACHINE);
}

static void
test_names(void **state)
{
    static const struct {
        const char *user;
        enum ev_user_type t;
    } cases[] = {
        {"root", EV_USER_TYPE_ADMIN},
        {"DWM-1", EV_USER_TYPE_SYSTEM},
        {"Window Manager\\DWM-12", EV_USER_TYPE_SYSTEM},
        {"Font Driver Host\\UMFD-0", EV_USER_TYPE_SYSTEM},
        {"umfd-3", EV_USER_TYPE_SYSTEM},
        {"DWM-", EV_USER_TYPE_REGULAR},
        {"DWM-1x", EV_USER_TYPE_REGULAR},
        {"NT AUTHORITY\\SYSTEM", EV_USER_TYPE_SYSTEM},
        {"NT AUTHORITY\\LOCAL SERVICE", EV_USER_TYPE_SYSTEM},
        {"NT AUTHORITY\\network service", EV_USER_TYPE_SYSTEM},
        {"NT AUTHORITY\\ANONYMOUS LOGON", EV_USER_TYPE_ANONYMOUS},
        {"HOST$", EV_USER_TYPE_MACHINE},
        {"CORP\\WS01$", EV_USER_TYPE_MACHINE},
        {"ws01$@corp.example", EV_USER_TYPE_MACHINE},
        {"nobody", EV_USER_TYPE_SYSTEM},
        {"bob", EV_USER_TYPE_REGULAR},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        typed(&ev, cases[i].user, NULL);
        assert_int_equal(ev.user_type, cases[i].t);
    }
}

static void
test_uids(void **state)
{
    static const struct {
        const char *uid;
        enum ev_user_type t;
        bool system;
    } cases[] = {
        {"0", EV_USER_TYPE_ADMIN, false},
        {"1", EV_USER_TYPE_SYSTEM, true},
        {"999", EV_USER_TYPE_SYSTEM, true},
        {"1000", EV_USER_TYPE_REGULAR, false},
        {"65534", EV_USER_TYPE_SYSTEM, true},
        {"4294967295", EV_USER_TYPE_REGULAR, false},
    };
    struct event ev;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        typed(&ev, "someone", cases[i].uid);
        assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_UID);
        assert_int_equal(ev.user_type, cases[i].t);
        assert_int_equal(identity_is_system(&ev), cases[i].system);
    }
    /* The name rule wins over the uid: root with uid 0, nobody. */
    typed(&ev, "root", "0");
    assert_int_equal(ev.user_type, EV_USER_TYPE_ADMIN);
    /* Non-numeric, non-SID ids are "Other"; huge numbers are not typed. */
    typed(&ev, "alice", "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_OTHER);
    assert_int_equal(ev.user_type, EV_USER_TYPE_REGULAR);
    typed(&ev, NULL, "99999999999999999999999");
    assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_UID);
    assert_int_equal(ev.user_type, EV_USER_TYPE_REGULAR);
}

static void
test_nothing(void **state)
{
    struct event ev;

    (void)state;
    typed(&ev, NULL, NULL);
    assert_int_equal(ev.username_type, EV_USERNAME_TYPE_NONE);
    assert_int_equal(ev.user_id_type, EV_USER_ID_TYPE_NONE);
    assert_int_equal(ev.user_type, EV_USER_TYPE_NONE);
    assert_false(identity_is_system(&ev));
}

static void
test_machine_logon_types(void **state)
{
    struct event ev;

    (void)state;
    typed(&ev, "CORP\\WS01$", NULL);
    ev.logon_type = 3;
    assert_true(identity_is_system(&ev));
    ev.logon_type = 4;
    assert_true(identity_is_system(&ev));
    ev.logon_type = 5;
    assert_true(identity_is_system(&ev));
    ev.logon_type = -1;
    assert_true(identity_is_system(&ev));
    ev.logon_type = 2;
    assert_false(identity_is_system(&ev));
    ev.logon_type = 10;
    assert_false(identity_is_system(&ev));
    /* Admin and Guest are people: tracked. */
    typed(&ev, "root", "0");
    assert_false(identity_is_system(&ev));
    typed(&ev, NULL, "S-1-5-21-1-2-3-501");
    assert_false(identity_is_system(&ev));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_windows),
        cmocka_unit_test(test_split_upn),
        cmocka_unit_test(test_split_dn),
        cmocka_unit_test(test_split_simple),
        cmocka_unit_test(test_parser_fields_kept),
        cmocka_unit_test(test_sids),
        cmocka_unit_test(test_sid_beats_name),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_uids),
        cmocka_unit_test(test_nothing),
        cmocka_unit_test(test_machine_logon_types),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

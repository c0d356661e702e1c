/*
 * tests/lint/cmocka.h: what the analysers of `make lint` see instead of
 * <cmocka.h> (the Makefile puts this directory first on their include path
 * only; the tests are built against the real header alone).
 *
 * cmocka 1.1.5 does not mark its failure paths noreturn, so cppcheck and the
 * clang analyzer believe a test goes on after a failed assert_non_null() or
 * fail_msg() and report the NULL dereference the assertion has just ruled
 * out.  At run time a failed assertion leaves the test (longjmp); the
 * definitions below say the same with abort(), which both analysers know.
 * Nothing is hidden: a test that dereferences before asserting, or without
 * asserting, is still reported.
 */
#ifndef MAILFLOW_LINT_CMOCKA_H
#define MAILFLOW_LINT_CMOCKA_H

#if defined(__clang__) || defined(__GNUC__)
#include_next <cmocka.h>
#endif
#include <stdlib.h>

#undef assert_true
#undef assert_false
#undef assert_non_null
#undef assert_null
#undef assert_ptr_equal
#undef assert_ptr_not_equal
#undef fail
#undef fail_msg

#define assert_true(c)          do { if (!(c)) abort(); } while (0)
#define assert_false(c)         do { if (c) abort(); } while (0)
#define assert_non_null(c)      do { if ((c) == NULL) abort(); } while (0)
#define assert_null(c)          do { if ((c) != NULL) abort(); } while (0)
#define assert_ptr_equal(a, b)  do { if ((a) != (b)) abort(); } while (0)
#define assert_ptr_not_equal(a, b) do { if ((a) == (b)) abort(); } while (0)
#define fail()                  abort()
#define fail_msg(...)           (print_error(__VA_ARGS__), abort())

#endif

/*
 * testutil.h: what every Check suite shares.  Tests run from the repo root
 * (scripts/run-unit.sh cds there), so shared test data is at TESTDATA.
 */
#ifndef DATALAB_TESTUTIL_H
#define DATALAB_TESTUTIL_H

#include <check.h>
#include <stdlib.h>

#define TESTDATA "../shared/testdata"

/* TEST_MAIN(suite_fn): a main() running one suite, exit status = failures. */
#define TEST_MAIN(suite_fn)                                              \
	int main(void)                                                   \
	{                                                                \
		SRunner *sr = srunner_create(suite_fn());                \
		int nf;                                                  \
		srunner_run_all(sr, CK_NORMAL);                          \
		nf = srunner_ntests_failed(sr);                          \
		srunner_free(sr);                                        \
		return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;            \
	}

#endif

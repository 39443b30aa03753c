# Pass/fail counting shared by the test scripts that are not .NET test projects; scripts/test.sh sums the .counts
# files they write into $MRK_TEST_RESULTS.
passed=0
failed=0

# report_counts LABEL FILE: prints "LABEL: N passed, N failed" and, with MRK_TEST_RESULTS set, writes the counts to FILE there.
report_counts() {
  echo "$1: ${passed} passed, ${failed} failed"
  if [[ -n "${MRK_TEST_RESULTS:-}" ]]; then echo "${passed} ${failed}" > "${MRK_TEST_RESULTS}/$2"; fi
}

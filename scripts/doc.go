// Package scripts holds the tests of the project's scripts: the demo
// (scripts/demo) run end to end as a user would run it, checking every scan
// is graded, the site is written and every process it started is gone.
// The scripts are shell programs (demo, install-test-deps, build-dendrite)
// and two small Go commands of the demo (demo-dns, demo-matrix).
package scripts

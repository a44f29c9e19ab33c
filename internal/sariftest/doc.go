// Package sariftest validates SARIF output against the official SARIF
// 2.1.0 JSON schema in tests. The schema is read from the shared folder
// next to the repository (../shared/sarif-schema-2.1.0.json); it is not
// copied into the project, so validation is skipped where it is absent.
package sariftest

// Package runtask is the HCP Terraform / Terraform Enterprise run task
// endpoint behind `returnpath serve`.
//
// It owns the HTTP side of the integration: checking a task request (size,
// X-TFC-Task-Signature, payload), answering at once, a bounded queue and a
// fixed pool of workers, fetching the plan JSON with the task's access
// token, and calling back with a JSON:API task-results document. What a plan
// means is not its business: the caller passes Config.Analyse, which turns
// plan JSON into a report.Report and a pass/fail verdict.
//
// Every task that was answered 200 gets a final callback, whatever happens
// to it: a plan that cannot be fetched, is too large or cannot be read, an
// analysis that panics, a task past its deadline (Timing.TaskDeadline,
// under HCP Terraform's 10 minutes), or a shutdown that runs out of time;
// a replay of a task still in flight is not run twice. The access token
// and the HMAC key never reach a log line or a callback (internal/redact),
// even when an API echoes them.
package runtask

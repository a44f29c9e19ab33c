package runtask

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/returnpath-dev/returnpath/internal/redact"
)

// MaxRequestBytes bounds a task request body; larger ones get 413.
const MaxRequestBytes = 1 << 20

// Limits of the HTTP server: task requests are small and answered at once.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
)

// abortCallbackTimeout is how long the "stopped" callbacks of tasks that a
// shutdown cancels may take, all together.
const abortCallbackTimeout = 5 * time.Second

// Config is what a Server needs; New checks it.
type Config struct {
	// Analyse checks the plan JSON of one task; name is how messages name
	// the plan. It runs on a goroutine of its own; a panic is caught and
	// reported to HCP Terraform as a failed task. ctx ends at the task's
	// deadline (or when a shutdown cancels the task): the task is then
	// reported as failed at once, and Analyse should stop. An Analyse that
	// does not look at ctx keeps running, unseen, until it returns.
	Analyse func(ctx context.Context, name string, planJSON []byte) (Analysis, error)
	// Context, when its Workspaces names context workspaces for a task's
	// workspace, has their states fetched, and AnalyseWithContext check
	// the plan against them in place of Analyse; problems say which
	// could not be fetched and why.
	Context            ContextConfig
	AnalyseWithContext func(ctx context.Context, name string, planJSON []byte, states []ContextState, problems []ContextProblem) (Analysis, error)
	// Secrets, when not nil, gets the access token of every task while
	// the task runs, so that the caller's own writers can redact it; the
	// server redacts them, and its HMAC key, from its logs and callbacks
	// in any case.
	Secrets *redact.Set
	// HMACKey checks X-TFC-Task-Signature; empty means signatures are not
	// checked (and Serve says so when it starts).
	HMACKey []byte
	// MaxPlanBytes bounds the plan JSON a task may fetch.
	MaxPlanBytes int64
	// Workers is how many tasks run at once; QueueSize how many more may
	// wait (0: none, a task is refused unless a worker is free).
	Workers   int
	QueueSize int
	// ReportURL, when not empty, is the template of the url attribute of
	// every final task result; see ParseReportURL.
	ReportURL string
	// Version goes into the User-Agent of calls to HCP Terraform.
	Version string
	Logger  *slog.Logger
	Timing  Timing
}

// Timing holds the delays of a Server; tests shorten them.
type Timing struct {
	// RetryAttempts bounds the attempts of one call to HCP Terraform (the
	// plan fetch, each callback); RetryInitial is the first pause, doubled
	// after every attempt up to RetryMax, which also caps Retry-After.
	RetryAttempts int
	RetryInitial  time.Duration
	RetryMax      time.Duration
	// RequestTimeout bounds one attempt, the plan download included.
	RequestTimeout time.Duration
	// SlowAfter is when a task still working tells HCP Terraform it is
	// running.
	SlowAfter time.Duration
	// DrainTimeout is how long a shutdown waits for queued and running
	// tasks before it cancels them (each still gets a failed callback).
	DrainTimeout time.Duration
	// TaskDeadline bounds a task from its request to its final callback,
	// under HCP Terraform's 10-minute run task timeout. The fetch, the
	// analysis and the running update get all of it but CallbackTime; the
	// final callback (a failed one when the work ran out of time) gets
	// the rest.
	TaskDeadline time.Duration
	CallbackTime time.Duration
}

// DefaultTiming waits up to about half a minute for a plan that is not
// ready (1+2+4+8+16 s), drains for 20 s, inside the 30 s a container
// platform usually grants between SIGTERM and SIGKILL, and ends every task
// within 9 minutes of its request, the final callback's last minute
// included.
func DefaultTiming() Timing {
	return Timing{
		RetryAttempts:  6,
		RetryInitial:   time.Second,
		RetryMax:       16 * time.Second,
		RequestTimeout: 2 * time.Minute,
		SlowAfter:      5 * time.Second,
		DrainTimeout:   20 * time.Second,
		TaskDeadline:   9 * time.Minute,
		CallbackTime:   time.Minute,
	}
}

func (t Timing) check() error {
	switch {
	case t.RetryAttempts < 1:
		return fmt.Errorf("retry attempts must be at least 1, got %d", t.RetryAttempts)
	case t.RetryInitial <= 0 || t.RetryMax < t.RetryInitial:
		return fmt.Errorf("retry pauses must be positive and the cap at least the first pause, got %v and %v", t.RetryInitial, t.RetryMax)
	case t.RequestTimeout <= 0, t.SlowAfter <= 0, t.DrainTimeout <= 0:
		return errors.New("request timeout, slow-task threshold and drain timeout must be positive")
	case t.CallbackTime <= 0 || t.TaskDeadline <= t.CallbackTime:
		return fmt.Errorf("the task deadline must be longer than the final callback's time, both positive, got %v and %v", t.TaskDeadline, t.CallbackTime)
	}
	return nil
}

// Server is a run task endpoint: POST / takes tasks, GET /healthz answers
// 200. Create it with New and run it once with Serve.
type Server struct {
	cfg       Config
	reportURL reportURL
	log       *slog.Logger
	client    *http.Client // the plan fetch: follows redirects
	callbacks *http.Client // callbacks: a redirect is an answer
	secrets   *redact.Set

	// inflight holds the task_result_id of every queued or running task:
	// a replay of one is answered 200 and not run twice.
	inflightMu sync.Mutex
	inflight   map[string]bool

	// queue holds accepted tasks until a worker takes them. closed (under
	// mu) says it is closed: handlers send under the read lock.
	mu     sync.RWMutex
	queue  chan queued
	closed bool

	served atomic.Bool
}

// New checks cfg and builds a server.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Analyse == nil:
		return nil, errors.New("no Analyse function")
	case cfg.Logger == nil:
		return nil, errors.New("no Logger")
	case cfg.MaxPlanBytes < 1:
		return nil, fmt.Errorf("the plan size limit must be at least 1 byte, got %d", cfg.MaxPlanBytes)
	case cfg.Workers < 1:
		return nil, fmt.Errorf("workers must be at least 1, got %d", cfg.Workers)
	case cfg.QueueSize < 0:
		return nil, fmt.Errorf("the queue size must not be negative, got %d", cfg.QueueSize)
	}
	if err := cfg.Timing.check(); err != nil {
		return nil, err
	}
	tmpl, err := ParseReportURL(cfg.ReportURL)
	if err != nil {
		return nil, err
	}
	secrets := cfg.Secrets
	if secrets == nil {
		secrets = redact.NewSet()
	}
	secrets.Add(string(cfg.HMACKey))
	return &Server{
		cfg:       cfg,
		reportURL: tmpl,
		log:       slog.New(redact.NewHandler(cfg.Logger.Handler(), secrets)),
		client:    newClient(),
		callbacks: newCallbackClient(),
		secrets:   secrets,
		inflight:  map[string]bool{},
		queue:     make(chan queued, cfg.QueueSize),
	}, nil
}

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting, lets running requests and tasks finish
// (the queued ones too) for up to Timing.DrainTimeout, then cancels what is
// left, each cancelled task still getting a failed callback. It returns
// nil after a shutdown that ctx asked for.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.served.Swap(true) {
		return errors.New("a Server serves once")
	}
	// work is cancelled when draining takes too long; final callbacks use
	// abort, which outlives it by abortCallbackTimeout.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	abort, cancelAbort := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelAbort()
	var workers sync.WaitGroup
	for range s.cfg.Workers {
		workers.Go(func() {
			for task := range s.queue {
				s.process(work, abort, task)
			}
		})
	}

	srv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if len(s.cfg.HMACKey) == 0 {
		s.log.Warn("RETURNPATH_HMAC_KEY is not set: request signatures are not checked; anyone who can reach this address can make it fetch URLs and call back")
	}
	s.log.Info("serving HCP Terraform run tasks",
		"addr", ln.Addr().String(),
		"signatures_checked", len(s.cfg.HMACKey) > 0,
		"workers", s.cfg.Workers,
		"queue", s.cfg.QueueSize,
		"max_plan_bytes", s.cfg.MaxPlanBytes)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	s.log.Info("shutting down: no new tasks; finishing queued and running ones",
		"queued", len(s.queue), "drain_timeout", s.cfg.Timing.DrainTimeout.String())
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), s.cfg.Timing.DrainTimeout)
	defer cancelDrain()
	if err := srv.Shutdown(drainCtx); err != nil {
		s.log.Warn("closing connections", "error", err.Error())
		srv.Close()
	}
	s.mu.Lock()
	s.closed = true
	close(s.queue)
	s.mu.Unlock()

	drained := make(chan struct{})
	go func() { workers.Wait(); close(drained) }()
	select {
	case <-drained:
		s.log.Info("all tasks finished")
	case <-drainCtx.Done():
		s.log.Warn("drain timeout: cancelling the remaining tasks, each gets a failed callback")
		cancelWork()
		stopAborts := time.AfterFunc(abortCallbackTimeout, cancelAbort)
		defer stopAborts.Stop()
		<-drained
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// routes: POST / takes tasks, GET /healthz answers 200; other methods on
// these paths get 405 and other paths 404.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{$}", s.handleTask)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	return mux
}

// handleTask answers a task request at once: 413 for a body over
// MaxRequestBytes, 401 for a bad signature, 400 for a body that is not a
// task, 200 for a verification request or an accepted task, 503 when the
// queue is full or the server is stopping.
func (s *Server) handleTask(w http.ResponseWriter, r *http.Request) {
	log := s.log.With("remote", r.RemoteAddr)
	if r.ContentLength > MaxRequestBytes {
		log.Warn("request refused: body too large", "bytes", r.ContentLength)
		http.Error(w, fmt.Sprintf("request body over %d bytes", MaxRequestBytes), http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			log.Warn("request refused: body too large", "bytes", fmt.Sprintf("more than %d", MaxRequestBytes))
			http.Error(w, fmt.Sprintf("request body over %d bytes", MaxRequestBytes), http.StatusRequestEntityTooLarge)
			return
		}
		log.Warn("request refused: cannot read the body", "error", err.Error())
		http.Error(w, "cannot read the request body", http.StatusBadRequest)
		return
	}
	if len(s.cfg.HMACKey) > 0 && !validSignature(s.cfg.HMACKey, body, r.Header.Get(SignatureHeader)) {
		log.Warn("request refused: missing or wrong " + SignatureHeader)
		http.Error(w, "missing or wrong "+SignatureHeader, http.StatusUnauthorized)
		return
	}
	req, err := decodeRequest(body)
	if err != nil {
		log.Warn("request refused: not a run task request", "error", err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.isVerification() {
		log.Info("verification request answered", "task", req)
		w.WriteHeader(http.StatusOK)
		return
	}
	// Logged before the task is queued: a worker may start it at once.
	log.Info("task received", "task", req)
	if !s.claim(req) {
		log.Info("task replayed while queued or running: not run twice", "task", req)
		w.WriteHeader(http.StatusOK)
		return
	}
	if accepted, why := s.enqueue(req); !accepted {
		s.release(req)
		log.Warn("task refused: "+why, "task", req)
		w.Header().Set("Retry-After", "10")
		http.Error(w, why, http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// claim marks req's task as queued or running, and its token as a
// secret; false when the task already is (a replay). done and forget undo
// it: the task is over once its final callback returns; its token stays a
// secret until the last log line about it.
func (s *Server) claim(req Request) bool {
	s.inflightMu.Lock()
	defer s.inflightMu.Unlock()
	if s.inflight[req.TaskResultID] {
		return false
	}
	s.inflight[req.TaskResultID] = true
	s.secrets.Add(string(req.AccessToken))
	return true
}

func (s *Server) done(req Request) {
	s.inflightMu.Lock()
	defer s.inflightMu.Unlock()
	delete(s.inflight, req.TaskResultID)
}

func (s *Server) forget(req Request) { s.secrets.Remove(string(req.AccessToken)) }

// release undoes claim at once, for a task that was not queued.
func (s *Server) release(req Request) {
	s.done(req)
	s.forget(req)
}

// enqueue hands req to the workers without waiting, or says why not.
func (s *Server) enqueue(req Request) (bool, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return false, "the server is shutting down"
	}
	select {
	case s.queue <- queued{req, time.Now()}:
		return true, ""
	default:
		return false, fmt.Sprintf("the task queue is full (%d running, %d waiting)", s.cfg.Workers, s.cfg.QueueSize)
	}
}

// queued is a task waiting for a worker.
type queued struct {
	req Request
	at  time.Time
}

// process runs one task and always calls back with its final result.
// Work (fetch, analysis, running updates) stops when work is cancelled;
// the final callback is bounded by abort.
func (s *Server) process(work, abort context.Context, task queued) {
	req := task.req
	defer s.forget(req)
	log := s.log.With("task", req)
	start := time.Now()
	log.Info("task started", "waited", start.Sub(task.at).Round(time.Millisecond).String())
	// One deadline from the request on: the work gets all of it but the
	// final callback's share.
	t := s.cfg.Timing
	deadline := task.at.Add(t.TaskDeadline)
	taskWork, cancelWork := context.WithDeadline(work, deadline.Add(-t.CallbackTime))
	defer cancelWork()
	result := s.outcome(work, taskWork, req, log)
	attrs := result.Data.Attributes
	// A task that waited out its deadline in the queue still gets one
	// try at telling HCP Terraform.
	final, cancelFinal := context.WithTimeout(abort, max(time.Until(deadline), t.CallbackTime))
	defer cancelFinal()
	err := s.callback(final, req, result.encode())
	s.done(req)
	if err != nil {
		log.Error("task result not delivered", "status", attrs.Status, "error", err.Error())
		return
	}
	outcomes := 0
	if rel := result.Data.Relationships; rel != nil {
		outcomes = len(rel.Outcomes.Data)
	}
	log.Info("task result delivered", "status", attrs.Status, "message", attrs.Message,
		"outcomes", outcomes, "duration", time.Since(start).Round(time.Millisecond).String())
}

// outcome works out the final result of a task. When it takes longer than
// Timing.SlowAfter, HCP Terraform is told once that the task is running;
// that update is sent before the final result, never after it.
//
// taskWork is work bounded by the task's deadline; when it ends first, the
// task fails at once and the analysis, if it does not stop, is abandoned.
func (s *Server) outcome(work, taskWork context.Context, req Request, log *slog.Logger) taskResult {
	done := make(chan taskResult, 1)
	go func() { done <- s.evaluate(taskWork, req, log) }()
	slow := time.NewTimer(s.cfg.Timing.SlowAfter)
	defer slow.Stop()
	for {
		select {
		case result := <-done:
			return result
		case <-slow.C:
			update := statusResult(statusRunning, "returnpath is checking the network ACLs of the plan", "")
			if err := s.callback(taskWork, req, update.encode()); err != nil {
				log.Warn("running update not delivered", "error", err.Error())
			} else {
				log.Info("running update delivered", "after", s.cfg.Timing.SlowAfter.String())
			}
		case <-taskWork.Done():
			select {
			case result := <-done: // finished just in time
				return result
			default:
			}
			// An analysis that does not watch its context goes on; its
			// result is dropped.
			if work.Err() != nil {
				return s.failed(req, stoppedMessage)
			}
			log.Warn("task deadline: reporting failure, abandoning the work", "deadline", s.cfg.Timing.TaskDeadline.String())
			return s.failed(req, s.overdueMessage())
		}
	}
}

// stoppedMessage is the result of a task that a shutdown cancelled.
const stoppedMessage = "returnpath was stopped before it finished this task; re-run the task"

// overdueMessage is the result of a task that ran out of time.
func (s *Server) overdueMessage() string {
	t := s.cfg.Timing
	return fmt.Sprintf("returnpath could not fetch and check the plan within %s of the request (its task deadline, under HCP Terraform's 10 minutes); the plan may be too large or HCP Terraform too slow to answer", t.TaskDeadline-t.CallbackTime)
}

// evaluate fetches and analyses the plan of req.
func (s *Server) evaluate(work context.Context, req Request, log *slog.Logger) (result taskResult) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("analysis panicked", "panic", fmt.Sprint(r))
			result = s.failed(req, fmt.Sprintf("returnpath failed on this plan (internal error: %v); please report it", r))
		}
	}()
	if !req.hasPlan() {
		return s.failed(req, fmt.Sprintf("returnpath checks plans, and the %s stage has none: attach the run task to the post-plan or pre-apply stage", req.Stage))
	}
	start := time.Now()
	data, err := s.fetchPlan(work, req)
	if err != nil {
		switch {
		case errors.Is(work.Err(), context.DeadlineExceeded):
			return s.failed(req, s.overdueMessage())
		case work.Err() != nil:
			return s.failed(req, stoppedMessage)
		}
		return s.failed(req, "cannot fetch the plan JSON: "+err.Error())
	}
	log.Info("plan fetched", "bytes", len(data), "duration", time.Since(start).Round(time.Millisecond).String())
	var analysis Analysis
	if states, problems := s.fetchContexts(work, req); s.cfg.AnalyseWithContext != nil && len(states)+len(problems) > 0 {
		for _, p := range problems {
			log.Warn("context workspace not used", "context_workspace", p.Workspace, "reason", p.Reason)
		}
		log.Info("context fetched", "workspaces", len(states), "problems", len(problems))
		analysis, err = s.cfg.AnalyseWithContext(work, planName(req), data, states, problems)
	} else {
		analysis, err = s.cfg.Analyse(work, planName(req), data)
	}
	if err != nil {
		return s.failed(req, "cannot check the plan: "+err.Error())
	}
	if analysis.Report == nil {
		return s.failed(req, "returnpath failed on this plan (internal error: no report); please report it")
	}
	result, err = analysisResult(analysis, s.reportURL.expand(req))
	if err != nil {
		return s.failed(req, "returnpath cannot write its result: "+err.Error())
	}
	return result
}

// planName is how messages name the plan of a task.
func planName(req Request) string {
	if req.RunID == "" {
		return "plan JSON"
	}
	return "plan JSON of " + req.RunID
}

func (s *Server) failed(req Request, message string) taskResult {
	return statusResult(statusFailed, message, s.reportURL.expand(req))
}

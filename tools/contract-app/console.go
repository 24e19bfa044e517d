package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// `bin/console <command>`: the release command, the consumer and scheduled jobs, as the platform
// runs them (components/service/migration-job.ts, consumers.ts, scheduled-jobs.ts).
func console(ctx context.Context, c Contract, log *Logger, command string, args []string) int {
	var err error
	switch command {
	case "doctrine:migrations:migrate":
		err = releaseCommand(ctx, c, log)
	case "messenger:consume":
		err = consumerCommand(ctx, c, log, args)
	case "contract:reach":
		// One GET from inside the pod, exit 0 on HTTP 2xx: `php bin/console contract:reach <url>`.
		if len(args) < 1 {
			err = fmt.Errorf("contract:reach needs a URL")
			break
		}
		a := &app{client: httpClient(3 * time.Second)}
		var status int
		status, err = a.get(ctx, args[0])
		if err == nil && (status < 200 || status > 299) {
			err = fmt.Errorf("HTTP %d", status)
		}
	default:
		err = scheduledCommand(ctx, c, log, command)
	}
	if err != nil {
		log.Error(command+" failed: "+err.Error(), nil)
		return 1
	}
	return 0
}

// artisanCommand: Laravel's preset (`php artisan migrate --force`, `queue:work --queue=a,b
// --max-time=N`, `schedule:run`) as the Symfony command that does the same work here, so that a
// service with `framework: laravel` runs the same contract.
func artisanCommand(command string, args []string) (string, []string) {
	switch command {
	case "migrate":
		return "doctrine:migrations:migrate", nil
	case "queue:work":
		var out []string
		for _, a := range args {
			switch {
			case strings.HasPrefix(a, "--queue="):
				for _, q := range strings.Split(strings.TrimPrefix(a, "--queue="), ",") {
					if q != "" {
						out = append(out, q)
					}
				}
			case strings.HasPrefix(a, "--max-time="):
				out = append(out, "--time-limit="+strings.TrimPrefix(a, "--max-time="))
			}
		}
		return "messenger:consume", out
	default:
		return command, args
	}
}

// startupRetry: how long a console process retries its first connection. A pod may start before
// the path to its backing service is open: the Service may have no ready endpoint yet, and the
// node's NetworkPolicy agent may not have added the new pod's address to the policies yet (seen on
// the e2e's real node: a scheduled job's first connection refused for a few seconds).
const startupRetry = 60 * time.Second

// waitForDatabase retries the first connection for startupRetry. Anything after connecting fails
// at once (the Job's backoff decides).
func waitForDatabase(ctx context.Context, db interface {
	PingContext(context.Context) error
}, url string, log *Logger) error {
	deadline := time.Now().Add(startupRetry)
	for {
		ping, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := db.PingContext(ping)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("connecting to %s: %w", redacted(url), err)
		}
		log.Warning("Waiting for the database: "+err.Error(), map[string]any{"database": redacted(url)})
		time.Sleep(2 * time.Second)
	}
}

// releaseCommand waits for the database (waitForDatabase), then migrates.
func releaseCommand(ctx context.Context, c Contract, log *Logger) error {
	if c.DatabaseURL == "" {
		log.Info("No database in the contract: nothing to migrate", nil)
		return nil
	}
	db, err := openPostgres(c.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := waitForDatabase(ctx, db, c.DatabaseURL, log); err != nil {
		return err
	}
	applied, err := migrate(ctx, db, log)
	if err != nil {
		return err
	}
	log.Info(fmt.Sprintf("Migrations done: %d applied, %d in all", applied, len(migrations)), nil)
	return nil
}

func consumerCommand(ctx context.Context, c Contract, log *Logger, args []string) error {
	var queues []string
	limit := time.Hour
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "--time-limit="):
			s, err := strconv.Atoi(strings.TrimPrefix(a, "--time-limit="))
			if err != nil || s <= 0 {
				return fmt.Errorf("bad %s", a)
			}
			limit = time.Duration(s) * time.Second
		case strings.HasPrefix(a, "--"):
		default:
			queues = append(queues, a)
		}
	}
	if len(queues) == 0 {
		return fmt.Errorf("messenger:consume needs at least one queue")
	}
	// Symfony Scheduler transports (scheduler_<name>) live in the app, not on the broker.
	var broker, schedules []string
	for _, q := range queues {
		if strings.HasPrefix(q, "scheduler_") {
			schedules = append(schedules, q)
		} else {
			broker = append(broker, q)
		}
	}
	if len(schedules) > 0 {
		if len(broker) == 0 {
			return runSchedules(ctx, schedules, limit, log)
		}
		go func() { _ = runSchedules(ctx, schedules, limit, log) }()
	}
	if c.MessengerDSN == "" {
		return fmt.Errorf("messenger:consume of %s needs MESSENGER_TRANSPORT_DSN", strings.Join(broker, ", "))
	}
	return consume(ctx, c.MessengerDSN, broker, limit, log, newMetrics())
}

// runSchedules: Symfony Scheduler's transports, which generate their messages in the process on
// their schedule; here one log line a minute per schedule, until the time limit.
func runSchedules(ctx context.Context, schedules []string, limit time.Duration, log *Logger) error {
	log.Info("Running schedules", map[string]any{"schedules": schedules, "time_limit_s": int(limit.Seconds())})
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	end := time.NewTimer(limit)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			log.Info("Stopping the scheduler: signal received", nil)
			return nil
		case <-end.C:
			log.Info("Stopping the scheduler: time limit reached", nil)
			return nil
		case <-tick.C:
			log.Info("Schedules checked", map[string]any{"schedules": schedules})
		}
	}
}

// scheduledCommand: a scheduled job's work, recorded in the service's database when it has one.
func scheduledCommand(ctx context.Context, c Contract, log *Logger, command string) error {
	if c.DatabaseURL != "" {
		db, err := openPostgres(c.DatabaseURL)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := waitForDatabase(ctx, db, c.DatabaseURL, log); err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO contract_item (body, source) VALUES ($1, 'scheduled')`, command); err != nil {
			return fmt.Errorf("recording the run: %w", err)
		}
	}
	log.Info("Scheduled command done", map[string]any{"command": command})
	return nil
}

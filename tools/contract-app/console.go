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

// releaseCommand retries the first connection for a while: the database's Service may be a few
// seconds behind its pod. Anything after connecting fails at once (the Job's backoff decides).
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
	deadline := time.Now().Add(60 * time.Second)
	for {
		ping, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = db.PingContext(ping)
		cancel()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		log.Warning("Waiting for the database: "+err.Error(), map[string]any{"database": redacted(c.DatabaseURL)})
		time.Sleep(2 * time.Second)
	}
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", redacted(c.DatabaseURL), err)
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
	if c.MessengerDSN == "" || len(queues) == 0 {
		return fmt.Errorf("messenger:consume needs MESSENGER_TRANSPORT_DSN and at least one queue")
	}
	return consume(ctx, c.MessengerDSN, queues, limit, log, newMetrics())
}

// scheduledCommand: a scheduled job's work, recorded in the service's database when it has one.
func scheduledCommand(ctx context.Context, c Contract, log *Logger, command string) error {
	if c.DatabaseURL != "" {
		db, err := openPostgres(c.DatabaseURL)
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `INSERT INTO contract_item (body, source) VALUES ($1, 'scheduled')`, command); err != nil {
			return fmt.Errorf("recording the run: %w", err)
		}
	}
	log.Info("Scheduled command done", map[string]any{"command": command})
	return nil
}

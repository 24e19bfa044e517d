package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The release command: `bin/console doctrine:migrations:migrate --no-interaction --all-or-nothing`.
// Real SQL, recorded where Doctrine Migrations records it (doctrine_migration_versions), all in one
// transaction (--all-or-nothing): a failure leaves the schema as it was.

const migrationsTable = "doctrine_migration_versions"

type migration struct {
	version string
	sql     []string
}

var migrations = []migration{
	{"DoctrineMigrations\\Version20261101000000", []string{
		`CREATE TABLE contract_item (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
	}},
	{"DoctrineMigrations\\Version20261115000000", []string{
		`ALTER TABLE contract_item ADD COLUMN source VARCHAR(64) NOT NULL DEFAULT 'web'`,
		`CREATE INDEX contract_item_created_at ON contract_item (created_at)`,
	}},
}

func migrate(ctx context.Context, db *sql.DB, log *Logger) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("postgresql: %w", err)
	}
	defer tx.Rollback()
	// Concurrent releases of the same service wait here instead of racing.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(4242)`); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+migrationsTable+
		` (version VARCHAR(191) PRIMARY KEY, executed_at TIMESTAMP(0) DEFAULT NULL, execution_time INT DEFAULT NULL)`); err != nil {
		return 0, fmt.Errorf("creating %s: %w", migrationsTable, err)
	}
	done := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM `+migrationsTable)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, err
		}
		done[v] = true
	}
	rows.Close()
	applied := 0
	for _, m := range migrations {
		if done[m.version] {
			continue
		}
		start := time.Now()
		for _, stmt := range m.sql {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return 0, fmt.Errorf("%s: %w", m.version, err)
			}
		}
		ms := time.Since(start).Milliseconds()
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+migrationsTable+` (version, executed_at, execution_time) VALUES ($1, now(), $2)`, m.version, ms); err != nil {
			return 0, err
		}
		log.Info("Migrated "+m.version, map[string]any{"execution_time_ms": ms})
		applied++
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return applied, nil
}

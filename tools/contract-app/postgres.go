package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	"github.com/lib/pq"
)

// DATABASE_URL is Doctrine's DSN: serverVersion and charset are Doctrine's own parameters, not
// PostgreSQL's, so they are dropped before connecting (PostgreSQL would refuse them as unknown
// run-time settings). Everything else (user, password, host, database, sslmode) is used as given.
func postgresDSN(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil || (u.Scheme != "postgresql" && u.Scheme != "postgres") {
		return "", fmt.Errorf("DATABASE_URL is not a postgresql:// URL")
	}
	q := u.Query()
	q.Del("serverVersion")
	q.Del("charset")
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func openPostgres(databaseURL string) (*sql.DB, error) {
	dsn, err := postgresDSN(databaseURL)
	if err != nil {
		return nil, err
	}
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(2)
	db.SetConnMaxIdleTime(30 * time.Second)
	return db, nil
}

// checkPostgres is the database half of readiness: the server accepts the service's role and the
// schema the release command migrated is there.
func checkPostgres(ctx context.Context, db *sql.DB) error {
	var applied int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+migrationsTable).Scan(&applied); err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	if applied < len(migrations) {
		return fmt.Errorf("postgresql: %d of %d migrations applied", applied, len(migrations))
	}
	return nil
}

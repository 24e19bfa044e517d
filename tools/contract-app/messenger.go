package main

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Symfony Messenger over AMQP: MESSENGER_TRANSPORT_DSN is amqp://user:password@host:5672/<vhost>.
// The exchanges, queues and bindings are the platform's (RabbitMQ definitions from the catalog):
// the app declares nothing, it only connects, publishes and consumes.

func dialAMQP(dsn string) (*amqp.Connection, error) {
	conn, err := amqp.DialConfig(dsn, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second), Heartbeat: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("rabbitmq: %w", err)
	}
	return conn, nil
}

// checkAMQP: the user, its password and its vhost are accepted and a channel opens.
func checkAMQP(dsn string) error {
	conn, err := dialAMQP(dsn)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("rabbitmq: opening a channel: %w", err)
	}
	return ch.Close()
}

// consume is `messenger:consume <queues...> --time-limit=N`: consume each queue, log and ack each
// message, stop after the time limit (the Deployment starts a fresh process, as with Symfony).
func consume(ctx context.Context, dsn string, queues []string, limit time.Duration, log *Logger, m *metrics) error {
	// The first connection is retried for startupRetry (console.go says why).
	deadline := time.Now().Add(startupRetry)
	conn, err := dialAMQP(dsn)
	for err != nil && time.Now().Before(deadline) && ctx.Err() == nil {
		log.Warning("Waiting for the broker: "+err.Error(), nil)
		time.Sleep(2 * time.Second)
		conn, err = dialAMQP(dsn)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("rabbitmq: %w", err)
	}
	if err := ch.Qos(1, 0, false); err != nil {
		return err
	}
	deliveries := make(chan amqp.Delivery)
	for _, q := range queues {
		d, err := ch.Consume(q, "", false, false, false, false, nil)
		if err != nil {
			return fmt.Errorf("rabbitmq: consuming %s: %w", q, err)
		}
		go func() {
			for msg := range d {
				deliveries <- msg
			}
		}()
	}
	log.Info("Consuming messages", map[string]any{"queues": queues, "time_limit_s": int(limit.Seconds())})
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			log.Info("Stopping the worker: signal received", nil)
			return nil
		case <-timer.C:
			log.Info("Stopping the worker: time limit reached", nil)
			return nil
		case e := <-closed:
			return fmt.Errorf("rabbitmq: connection closed: %v", e)
		case msg := <-deliveries:
			m.inc("contract_messages_consumed_total")
			log.Info("Message handled", map[string]any{"routing_key": msg.RoutingKey, "bytes": len(msg.Body)})
			if err := msg.Ack(false); err != nil {
				return err
			}
		}
	}
}

// publish sends one message to an exchange (the web's POST /_contract/publish).
func publish(ctx context.Context, dsn, exchange, key string, body []byte) error {
	conn, err := dialAMQP(dsn)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	return ch.PublishWithContext(ctx, exchange, key, false, false, amqp.Publishing{ContentType: "application/json", Body: body})
}

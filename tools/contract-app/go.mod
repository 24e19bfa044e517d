module platform.local/contract-app

go 1.24.0

require (
	github.com/lib/pq v1.10.9
	github.com/rabbitmq/amqp091-go v1.10.0
)

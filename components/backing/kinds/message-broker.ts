import type * as pulumi from "@pulumi/pulumi";
import type { BackingKind } from "../kind";
import type { MessagingSpec } from "../types";

// RabbitMQ: a vhost and a user per service with messaging, and the topology it declares. One
// broker for the platform: the topology is per vhost, so there is no dedicated variant.

export interface MessageBrokerConnection {
  vhost: pulumi.Input<string>;
  /** Symfony Messenger's `amqp(s)://` DSN with the password, a Pulumi secret. */
  dsn: pulumi.Output<string>;
}

export const messageBrokerKind: BackingKind<
  MessagingSpec,
  MessageBrokerConnection,
  "MESSENGER_TRANSPORT_DSN"
> = {
  name: "message-broker",
  field: "messaging",
  need: (spec) => spec.messaging,
  credentialKeys: ["MESSENGER_TRANSPORT_DSN"],
  environment: (_spec, connection) => ({
    settings: { APP__MESSENGER__VHOST: connection.vhost },
    credentials: { MESSENGER_TRANSPORT_DSN: connection.dsn },
  }),
};

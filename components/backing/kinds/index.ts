import type { Kind } from "../kind";
import { databaseKind } from "./database";
import { messageBrokerKind } from "./message-broker";
import { objectStoreKind } from "./object-store";
import { redisKind } from "./redis";

// The platform's backing kinds, in the order a service's bindings are made. Each profile gives
// one provisioner per kind (a test checks both cover this list); a new kind is one file here,
// one provisioner per profile and one field in the service spec.

export const backingKinds: readonly Kind[] = [databaseKind, redisKind, objectStoreKind, messageBrokerKind];

export { databaseKind, messageBrokerKind, objectStoreKind, redisKind };

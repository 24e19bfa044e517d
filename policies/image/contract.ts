// The runtime contract an image is audited against, read from the component library that sets it
// up (one source: the pod template's emptyDirs, the ports and the UID the platform runs as).

import { APP_UID } from "../../components/kube/security";
import { HTTP_PORT, METRICS_PORT } from "../../components/service/environment";
import { WRITABLE_MOUNT_PATHS } from "../../components/service/pod-template";
import type { RuntimeContract } from "./types";

export function platformContract(): RuntimeContract {
  return {
    httpPort: HTTP_PORT,
    metricsPort: METRICS_PORT,
    uid: APP_UID,
    writablePaths: [...WRITABLE_MOUNT_PATHS],
  };
}

# Sourced (`. ci/gitlab/azure-oidc.sh`) by the GitLab jobs that reach Azure: installs kubelogin
# from its GitHub release (checksum verified) unless the image has it, and hands the job's OIDC
# token (the id_token ARM_OIDC_TOKEN) to kubelogin's workloadidentity mode as a file. The
# azure-native provider reads ARM_OIDC_TOKEN itself (ARM_USE_OIDC=true).

if ! command -v kubelogin > /dev/null 2>&1; then
  kubelogin_base="https://github.com/Azure/kubelogin/releases/download/${KUBELOGIN_VERSION}"
  curl -fsSLo /tmp/kubelogin.zip "${kubelogin_base}/kubelogin-linux-amd64.zip"
  curl -fsSLo /tmp/kubelogin.zip.sha256 "${kubelogin_base}/kubelogin-linux-amd64.zip.sha256"
  echo "$(cut -d ' ' -f 1 /tmp/kubelogin.zip.sha256)  /tmp/kubelogin.zip" | sha256sum -c -
  python3 -m zipfile -e /tmp/kubelogin.zip /tmp/kubelogin
  install -m 0755 /tmp/kubelogin/bin/linux_amd64/kubelogin /usr/local/bin/kubelogin
fi

# Readable by the job's user only, without changing the umask of the rest of the job.
(umask 077 && printf '%s' "${ARM_OIDC_TOKEN}" > /tmp/azure-federated-token)
export AZURE_FEDERATED_TOKEN_FILE=/tmp/azure-federated-token
export AZURE_CLIENT_ID="${ARM_CLIENT_ID}"
export AZURE_TENANT_ID="${ARM_TENANT_ID}"
export AZURE_AUTHORITY_HOST="https://login.microsoftonline.com/"

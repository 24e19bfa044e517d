// Absolute paths that only exist on a developer's machine or a CI runner (field notes 1: the ghost
// of the CI runner, `/home/jenkins-slave/share_media/...` in production config).

const CI_MARKERS: Array<[RegExp, string]> = [
  [/jenkins/i, "a Jenkins workspace"],
  [/gitlab-runner/i, "a GitLab runner directory"],
  [/^\/builds\//, "a GitLab CI build directory"],
  [/^\/github\/workspace(\/|$)/, "a GitHub Actions workspace"],
  [/^\/home\/runner\/work(\/|$)/, "a GitHub Actions runner workspace"],
  [/^\/home\/vsts\/work(\/|$)|^\/azp\/|\/agent\/_work(\/|$)/, "an Azure Pipelines agent workspace"],
  [/^\/opt\/atlassian\/pipelines(\/|$)/, "a Bitbucket Pipelines workspace"],
  [/buildkite/i, "a Buildkite agent directory"],
];

const HOME_DIR = /^(\/home\/[^/]+|\/Users\/[^/]+|\/root)(\/|$)/;

export interface HostOnlyPath {
  path: string;
  what: string;
}

const PATH_IN_TEXT = /(?:^|[\s=:,;"'(])((?:file:\/\/)?\/[^\s"',;)]+)/g;

/** Absolute paths in a value that point into a CI workspace or a home directory. */
export function hostOnlyPaths(value: string): HostOnlyPath[] {
  const out: HostOnlyPath[] = [];
  PATH_IN_TEXT.lastIndex = 0;
  for (let m = PATH_IN_TEXT.exec(value); m; m = PATH_IN_TEXT.exec(value)) {
    const path = (m[1] ?? "").replace(/^file:\/\//, "");
    const ci = CI_MARKERS.find(([re]) => re.test(path));
    if (ci) out.push({ path, what: ci[1] });
    else if (HOME_DIR.test(path))
      out.push({ path, what: "a home directory of a build or developer machine" });
  }
  return out;
}

/**
 * Env names whose value is a directory (or search path) inside the image: HOME, COMPOSER_HOME,
 * JENKINS_HOME of a Jenkins image, XDG_*, PATH and language search paths. Skipped entirely.
 */
export function isHomeVariable(name: string): boolean {
  return /^(HOME|[A-Z0-9_]*_HOME|XDG_[A-Z_]+|PATH|LD_LIBRARY_PATH|PYTHONPATH|NODE_PATH|GEM_PATH|GEM_HOME|PERL5LIB)$/.test(
    name.toUpperCase(),
  );
}

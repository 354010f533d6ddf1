"""The onair image run for real: `podman kube play` of the pod onair deploy
prints for an RTMP channel (its StatefulSet's pod template, the ConfigMap, the
stream key from a Secret), publishing to an nginx-rtmp test server on the host.
Its probes answer, and `podman kube down` drains it: the server keeps a finished
recording. Skipped, with the reason, where containers cannot run here or the image
(tools/image) is missing; a skip is never a pass (exit 77).
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, HERE)
from onair_test import run  # noqa: E402
from rtmp_server import RtmpServer, duration, free_port  # noqa: E402

SOURCE = os.environ.get("ONAIR_SOURCE_DIR", os.path.join(HERE, "..", ".."))
IMAGE = os.environ.get("ONAIR_IMAGE", "localhost/onair:latest")
KEY = "pod_7d3c9a1e55_streamkey"
PODMAN = shutil.which("podman")


def podman_env(tmp):
    """podman 4.3 here: no default ulimits (setrlimit NPROC fails in this sandbox)."""
    conf = os.path.join(tmp, "containers.conf")
    with open(conf, "w") as f:
        f.write("[containers]\ndefault_ulimits = []\n")
    return dict(os.environ, CONTAINERS_CONF=conf)


def podman(env, *args, timeout=120, check=True):
    out = subprocess.run([PODMAN, "--runtime", "runc", *args], capture_output=True, text=True,
                         env=env, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError("podman %s: %s" % (" ".join(args), out.stderr))
    return out


def as_json(yaml_text):
    """The documents of a YAML stream (the reader the schema check uses)."""
    script = ("import {parseAllDocuments} from 'yaml'; import {readFileSync} from 'node:fs';"
              "console.log(JSON.stringify(parseAllDocuments(readFileSync(0,'utf8'))"
              ".map(d => d.toJS())))")
    out = subprocess.run(["node", "--input-type=module", "-e", script], input=yaml_text,
                         capture_output=True, text=True, timeout=60, check=True,
                         cwd=os.path.join(SOURCE, "tests", "manifests"))
    return json.loads(out.stdout)


def build_id(binary):
    """What tools/image labels an image with: the start of the onair binary's SHA-256."""
    with open(binary, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


class PodPlay(unittest.TestCase):
    def setUp(self):
        if not PODMAN:
            self.skipTest("podman is not installed")
        if not os.path.isdir(os.path.join(SOURCE, "tests", "manifests", "node_modules")):
            self.skipTest("tests/manifests has no node_modules (tools/setup installs them)")
        self.tmp = tempfile.mkdtemp(prefix="onair-pod-")
        self.env = podman_env(self.tmp)
        if podman(self.env, "image", "exists", IMAGE, check=False).returncode != 0:
            self.skipTest("no image %s (make it with tools/image)" % IMAGE)
        # The image must hold the onair under test, not an earlier build.
        label = podman(self.env, "image", "inspect", IMAGE, "--format",
                       '{{index .Labels "onair.build"}}', check=False).stdout.strip()
        if label != build_id(os.environ["ONAIR_BIN"]):
            self.skipTest("image %s holds another build of onair (%s; tools/image makes it "
                          "from this one)" % (IMAGE, label or "unlabelled"))
        probe = podman(self.env, "run", "--rm", "--network=host", IMAGE, "true", check=False)
        if probe.returncode != 0:
            self.skipTest("containers cannot run here: " + probe.stderr.strip()[-300:])

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_pod_publishes_answers_probes_and_drains(self):
        web_port = free_port()
        with RtmpServer() as server:
            code, out, err = run("deploy", "rtmp", "--name", "podtest", "--image", IMAGE,
                                 "--web-port", str(web_port), "-s", "server=" + server.url,
                                 "-s", "quality=low", "-s", "overlay=off", "-s", "speech=off")
            self.assertEqual(code, 0, err)
            docs = as_json(out)
            (config,) = [d for d in docs if d["kind"] == "ConfigMap"]
            (stateful,) = [d for d in docs if d["kind"] == "StatefulSet"]
            # The StatefulSet's pod as kube play takes it: its claim becomes a host folder.
            spec = stateful["spec"]["template"]["spec"]
            data = os.path.join(self.tmp, "data")
            os.makedirs(data)
            spec["volumes"].append({"name": "data", "hostPath": {"path": data}})
            # The host's network (podman 4.3 here has no other that works): the web port is
            # the process's own, no mapping.
            spec["hostNetwork"] = True
            for container in spec["containers"]:
                del container["ports"]
            pod = {"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "podtest", "labels": stateful["spec"]["template"]
                                ["metadata"]["labels"]},
                   "spec": spec}
            # podman 4.3 reads a secretKeyRef from a podman secret holding the Secret's data.
            secret = {"key": base64.b64encode(KEY.encode()).decode()}
            secret_file = os.path.join(self.tmp, "secret.yaml")
            with open(secret_file, "w") as f:
                json.dump(secret, f)
            podman(self.env, "secret", "create", "podtest", secret_file)
            kube = os.path.join(self.tmp, "pod.yaml")
            with open(kube, "w") as f:
                f.write(json.dumps(config) + "\n---\n" + json.dumps(pod) + "\n")
            try:
                podman(self.env, "kube", "play", "--network=host", kube, timeout=300)
                # On air: the server records the stream from its first packet.
                deadline = time.monotonic() + 60
                while not server.recordings(KEY) and time.monotonic() < deadline:
                    time.sleep(0.5)
                logs = podman(self.env, "logs", "podtest-onair", check=False)
                self.assertTrue(server.recordings(KEY), "nothing published:\n" + logs.stderr)
                base = "http://127.0.0.1:%d" % web_port
                # Ready once media flowed; a server without the probes answers 404.
                deadline = time.monotonic() + 30
                while True:
                    probes = {path: http_status(base + path) for path in ("/healthz", "/readyz")}
                    if probes["/readyz"][0] in (200, 404) or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
                # As the kubelet ends a pod: SIGTERM, then up to the grace period. Debian 12's
                # podman 4.3 stops a pod in `kube down` with no wait at all (SIGKILL; fixed
                # upstream in May 2024, containers/podman#22398), so the pod is stopped as
                # that fix does, with the grace period, then taken down.
                grace = str(spec.get("terminationGracePeriodSeconds", 30))
                podman(self.env, "pod", "stop", "--time", grace, "podtest", timeout=120)
                # What the process said until it ended, drain included, and how it ended.
                ended = podman(self.env, "logs", "podtest-onair", check=False)
                said = ended.stdout + ended.stderr
                print("the pod's last lines:\n" + "".join(said.splitlines(True)[-6:]))
                exit_code = podman(self.env, "inspect", "podtest-onair", "--format",
                                   "{{.State.ExitCode}}").stdout.strip()
                podman(self.env, "kube", "down", kube, timeout=120)
            finally:
                podman(self.env, "kube", "down", kube, check=False)
                podman(self.env, "secret", "rm", "podtest", check=False)
            # Drained: the server closed a whole recording.
            (path,) = server.recordings(KEY)
            self.assertGreater(duration(path), 0)
            self.assertNotIn(KEY, logs.stdout + logs.stderr)
        if all(status == 404 for status, _ in probes.values()):
            self.skipTest("this onair serves no /healthz or /readyz: probes not checked")
        for path, (status, body) in probes.items():
            self.assertEqual(status, 200, "%s: %s" % (path, body))
        # SIGTERM drained the outputs within the grace period.
        self.assertIn("outputs finished", said)
        self.assertEqual(exit_code, "0")


def main():
    loader = unittest.defaultTestLoader
    result = unittest.TextTestRunner(verbosity=2).run(
        loader.loadTestsFromModule(sys.modules[__name__]))
    if not result.wasSuccessful():
        sys.exit(1)
    sys.exit(77 if result.skipped and len(result.skipped) == result.testsRun else 0)


if __name__ == "__main__":
    main()

"""onair deploy: the manifests it prints, checked offline with the real tools:
kubectl kustomize builds the deploy/ base and overlay, and every document passes
the Kubernetes API schemas (kubernetes-models, tests/manifests/validate.mjs).
Secrets never appear; a file's errors are those of onair check.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
from onair_test import run  # noqa: E402

SOURCE = os.environ.get("ONAIR_SOURCE_DIR", os.path.join(HERE, "..", ".."))
DEPLOY = os.path.join(SOURCE, "deploy")
VALIDATOR = os.path.join(SOURCE, "tests", "manifests", "validate.mjs")
SECRET = "sk_live_5b1e9f0c7d_do_not_print"
BASE_CHANNEL = ["rtmp", "-s", "server=rtmp://ingest.example.com/live"]


def kubectl():
    return shutil.which("kubectl")


def schema_check_missing():
    """Why the schema check cannot run here, or None."""
    if not shutil.which("node"):
        return "node is not installed"
    if not os.path.isdir(os.path.join(SOURCE, "tests", "manifests", "node_modules")):
        return "tests/manifests has no node_modules (tools/setup installs them)"
    return None


def deploy(*args):
    code, out, err = run("deploy", *args)
    if code != 0:
        raise AssertionError("onair deploy %s failed (%d): %s" % (" ".join(args), code, err))
    return out, err


def yaml_documents(text):
    """The documents as JSON, parsed by the same YAML reader the schema check uses."""
    script = ("import {parseAllDocuments} from 'yaml'; import {readFileSync} from 'node:fs';"
              "console.log(JSON.stringify(parseAllDocuments(readFileSync(0,'utf8'))"
              ".map(d => { if (d.errors.length) throw d.errors[0]; return d.toJS(); })))")
    out = subprocess.run(["node", "--input-type=module", "-e", script], input=text,
                         capture_output=True, text=True, timeout=60,
                         cwd=os.path.join(SOURCE, "tests", "manifests"))
    if out.returncode != 0:
        raise AssertionError("YAML did not parse: " + out.stderr)
    return json.loads(out.stdout)


class DeployCommand(unittest.TestCase):
    def test_secret_values_never_printed(self):
        env = dict(os.environ, STREAM_KEY=SECRET)
        for given in ("key=" + SECRET, "key=env:STREAM_KEY"):
            code, out, err = run("deploy", *BASE_CHANNEL, "-s", given, env=env)
            self.assertEqual(code, 0, err)
            self.assertNotIn(SECRET, out + err)
            self.assertIn("not used", err)
            self.assertIn("key=env:ONAIR_KEY", out)
            self.assertIn("secretKeyRef", out)

    def test_errors_are_those_of_check(self):
        cases = [["rtmp"], ["rtmp", "-s", "server=rtmp://x/app", "-s", "quality=huge"],
                 ["rtmp", "-s", "server=rtmp://x/app", "-s", "width=12"],
                 ["no-such-pipeline"]]
        for args in cases:
            code, _, err = run("deploy", *args)
            check_code, _, check_err = run("check", *args, "-s", "key=x")
            self.assertEqual(code, 2, err)
            self.assertEqual(check_code, 2, check_err)
            self.assertIn(err.strip().splitlines()[-1], check_err, args)

    def test_usage_errors(self):
        for args in (["rtmp", "--name", "Not_A_Name"], ["rtmp", "--bogus"], [],
                     ["sdi-preview"]):
            code, out, err = run("deploy", *args)
            self.assertEqual(code, 2, err)
            self.assertEqual(out, "")

    def test_hostile_values_read_back_as_given(self):
        if schema_check_missing():
            self.skipTest(schema_check_missing())
        hostile = 'yes: "no" # {not} [a] &comment\\ \'%s\' caf\u00e9 --- |'
        out, _ = deploy(*BASE_CHANNEL, "-s", "status=" + hostile)
        docs = yaml_documents(out)
        (channel,) = [d for d in docs if d["kind"] == "StatefulSet"]
        args = channel["spec"]["template"]["spec"]["containers"][0]["args"]
        self.assertIn("status=" + hostile, args)
        (config,) = [d for d in docs if d["kind"] == "ConfigMap"]
        with open(os.path.join(SOURCE, "pipelines", "rtmp.pipeline"), encoding="utf-8") as f:
            self.assertEqual(config["data"]["rtmp.pipeline"], f.read())

    def test_named_channel_keeps_its_file_name(self):
        if schema_check_missing():
            self.skipTest(schema_check_missing())
        out, _ = deploy(*BASE_CHANNEL, "--name", "news")
        docs = {d["kind"]: d for d in yaml_documents(out)}
        self.assertEqual(docs["ConfigMap"]["metadata"]["name"], "news-pipeline")
        self.assertEqual(list(docs["ConfigMap"]["data"]), ["rtmp.pipeline"])
        (container,) = docs["StatefulSet"]["spec"]["template"]["spec"]["containers"]
        self.assertEqual(container["args"][:2], ["run", "/config/rtmp.pipeline"])
        self.assertEqual(docs["StatefulSet"]["metadata"]["name"], "news")

    def test_sdi_channel_pod_per_card_container_per_port(self):
        if schema_check_missing():
            self.skipTest(schema_check_missing())
        out, _ = deploy("sdi-preview", "-s", "ports=0.0,0.1,1.0,dl0",
                        "--node-selector", "studio=a")
        sets = {d["metadata"]["name"]: d for d in yaml_documents(out) if d["kind"] == "StatefulSet"}
        self.assertEqual(sorted(sets), ["sdi-preview-card0", "sdi-preview-card1", "sdi-preview-dl0"])
        card0 = sets["sdi-preview-card0"]["spec"]["template"]["spec"]
        self.assertEqual([c["name"] for c in card0["containers"]], ["port-0-0", "port-0-1"])
        self.assertEqual(card0["nodeSelector"], {"studio": "a"})
        for c in card0["containers"]:
            self.assertEqual(c["resources"]["limits"]["deltacast.tv/sdi"], "1")
        dl0 = sets["sdi-preview-dl0"]["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(dl0["resources"]["limits"]["blackmagicdesign.com/decklink"], "1")
        self.assertIn("ports=dl0", dl0["args"])


class DeployManifests(unittest.TestCase):
    def setUp(self):
        if not kubectl():
            self.skipTest("kubectl is not installed (Debian: kubernetes-client)")
        missing = schema_check_missing()
        if missing:
            self.skipTest(missing)
        self.tmp = tempfile.mkdtemp(prefix="onair-deploy-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def validate(self, name, text):
        path = os.path.join(self.tmp, name + ".yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out = subprocess.run(["node", VALIDATOR, path], capture_output=True, text=True,
                             timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        return out.stdout

    def kustomize(self, directory):
        out = subprocess.run([kubectl(), "kustomize", directory], capture_output=True, text=True,
                             timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_channels_pass_the_schemas(self):
        cases = {
            "rtmp-secret": [*BASE_CHANNEL, "--namespace", "live", "--secret", "keys"],
            "hls-record": ["hls", "-s", "record=on", "-s", "quality=high", "--storage", "200Gi",
                           "--storage-class", "fast-ssd", "--eos-timeout", "30"],
            "sdi-preview": ["sdi-preview", "-s", "ports=0.0,0.1,0.2,0.3,1.0"],
        }
        for name, args in cases.items():
            out, _ = deploy(*args)
            checked = self.validate(name, out)
            self.assertIn("valid: StatefulSet", checked)
            self.assertIn("valid: ConfigMap", checked)
            self.assertIn("valid: Service", checked)

    def test_base_and_overlay_build_and_pass_the_schemas(self):
        base = self.kustomize(os.path.join(DEPLOY, "base"))
        self.assertIn("valid: Deployment hls-edge", self.validate("base", base))
        example = self.kustomize(os.path.join(DEPLOY, "overlays", "example"))
        checked = self.validate("example", example)
        for kind_name in ("StatefulSet rtmp", "StatefulSet news", "StatefulSet hls",
                          "StatefulSet studio-card0", "Deployment nats", "Namespace onair"):
            self.assertIn("valid: " + kind_name, checked)

    def test_deploy_files_are_what_onair_deploy_prints(self):
        files = {
            os.path.join("base", "channel.yaml"): BASE_CHANNEL,
        }
        # The overlay's channels, with the commands its kustomization.yaml names.
        with open(os.path.join(DEPLOY, "overlays", "example", "kustomization.yaml")) as f:
            for line in f:
                named = re.match(r"# (channels/[a-z-]+\.yaml): +onair deploy (.*)$", line)
                if named:
                    files[os.path.join("overlays", "example", named.group(1))] = \
                        named.group(2).split()
        self.assertEqual(len(files), 4)
        for path, args in files.items():
            with open(os.path.join(DEPLOY, path), encoding="utf-8") as f:
                self.assertEqual(f.read(), deploy(*args)[0], path + " differs from onair deploy "
                                 "(tools/deploy-examples writes it again)")


def main():
    names = sys.argv[1:]
    loader = unittest.defaultTestLoader
    module = sys.modules[__name__]
    suite = (unittest.TestSuite(loader.loadTestsFromName(n, module) for n in names)
             if names else loader.loadTestsFromModule(module))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    if not result.wasSuccessful():
        sys.exit(1)
    # Nothing checked is no pass: meson's exit code for a skip.
    sys.exit(77 if result.skipped and len(result.skipped) == result.testsRun else 0)


if __name__ == "__main__":
    main()

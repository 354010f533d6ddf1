// onair deploy's plain parts: the YAML writer's quoting, the sizing table, the
// objects of a channel and its options.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "cli/cli.h"
#include "deploy/deploy_options.h"
#include "deploy/encode_resources.h"
#include "deploy/manifests.h"
#include "deploy/yaml.h"

namespace onair::app {
namespace {

using yaml::Node;

std::string one_value(const std::string &value) {
  Node doc;
  doc.set("v", value);
  return yaml::emit(doc);
}

TEST(YamlWriter, PlainOnlyWhereNothingElseCanBeRead) {
  EXPECT_EQ(one_value("rtmp"), "v: rtmp\n");
  EXPECT_EQ(one_value("/data/runs"), "v: /data/runs\n");
  EXPECT_EQ(one_value("prometheus.io/scrape"), "v: prometheus.io/scrape\n");
  // Booleans, nulls, numbers and indicators of YAML 1.1 and 1.2 stay strings.
  for (const char *word : {"yes", "No", "ON", "off", "true", "False", "null", "~", "y", "n"})
    EXPECT_EQ(one_value(word), "v: \"" + std::string(word) + "\"\n") << word;
  for (const char *text : {"10", "0x1F", "1e3", ".5", "-1", "+1", ".inf", "0o17", "10Gi"})
    EXPECT_EQ(one_value(text), "v: \"" + std::string(text) + "\"\n") << text;
  for (const char *text : {"", "-s", "--http", "a: b", "a #b", "#x", "&anchor", "*alias", "!tag",
                           "[x]", "{x}", "|", ">", "%x", "@x", "`x", "a,b", "?", "key=env:X"})
    EXPECT_EQ(one_value(text), "v: \"" + std::string(text) + "\"\n") << text;
}

TEST(YamlWriter, EscapesHostileStrings) {
  EXPECT_EQ(one_value("a\"b\\c"), "v: \"a\\\"b\\\\c\"\n");
  EXPECT_EQ(one_value("x\ry"), "v: \"x\\x0Dy\"\n");
  EXPECT_EQ(one_value(std::string("nul\0byte", 8)), "v: \"nul\\x00byte\"\n");
  EXPECT_EQ(one_value("tab\there"), "v: \"tab\\there\"\n");
  EXPECT_EQ(one_value("del\x7f"), "v: \"del\\x7F\"\n");
  // Unicode line breaks and the byte order mark, which readers would fold or drop.
  EXPECT_EQ(one_value("a\xC2\x85"
                      "b"),
            "v: \"a\\Nb\"\n");
  EXPECT_EQ(one_value("a\xE2\x80\xA8"
                      "b\xE2\x80\xA9"),
            "v: \"a\\Lb\\P\"\n");
  EXPECT_EQ(one_value("\xEF\xBB\xBFx"), "v: \"\\uFEFFx\"\n");
  EXPECT_EQ(one_value("caf\xC3\xA9"), "v: \"caf\xC3\xA9\"\n");
  EXPECT_THROW(one_value("bad\xFF"), std::invalid_argument);
  // Keys are quoted by the same rules.
  Node doc;
  doc.set("a: b", "c");
  EXPECT_EQ(yaml::emit(doc), "\"a: b\": c\n");
}

TEST(YamlWriter, LinesGoInALiteralBlockKeptExactly) {
  EXPECT_EQ(one_value("one\n  two\n"), "v: |2\n  one\n    two\n");
  EXPECT_EQ(one_value("  indented\nlast"), "v: |2-\n    indented\n  last\n");
  EXPECT_EQ(one_value("a\n\nb\n\n\n"), "v: |2+\n  a\n\n  b\n\n\n");
  EXPECT_EQ(one_value("--- \n# not a comment\n"), "v: |2\n  --- \n  # not a comment\n");
  // Only newlines, or a carriage return: quoted instead.
  EXPECT_EQ(one_value("\n\n"), "v: \"\\n\\n\"\n");
  EXPECT_EQ(one_value("a\r\nb"), "v: \"a\\x0D\\nb\"\n");
}

TEST(YamlWriter, NestsMapsAndLists) {
  Node doc;
  doc.set("count", 3);
  doc.set("ok", true);
  doc.set("empty", Node::map());
  doc.set("none", Node::list());
  Node &list = doc.set("items", Node::list());
  list.add("x");
  Node &item = list.add(Node::map());
  item.set("name", "a");
  item.set("text", "l1\nl2\n");
  item.set("args", yaml::List{"-s", "k=v"});
  EXPECT_EQ(yaml::emit(doc),
            "count: 3\n"
            "ok: true\n"
            "empty: {}\n"
            "none: []\n"
            "items:\n"
            "  - x\n"
            "  - name: a\n"
            "    text: |2\n"
            "      l1\n"
            "      l2\n"
            "    args:\n"
            "      - \"-s\"\n"
            "      - \"k=v\"\n");
}

TEST(EncodeResources, GroundedOnTheBenchmarks) {
  // live_bench.py: 854x480 30 fps veryfast 1500k took 0.33 core.
  const Resources medium = encode_resources({{854, 480, 30, 1500, "veryfast"}});
  EXPECT_EQ(medium.cpu_millicores, 350);
  // sdi_preview_bench.py: 1280x720 25 fps ultrafast 5000k took 0.24 core.
  const Resources preview = encode_resources({{1280, 720, 25, 5000, "ultrafast"}});
  EXPECT_EQ(preview.cpu_millicores, 250);
  EXPECT_EQ(medium.memory_mib % 16, 0);
  EXPECT_EQ(medium.memory_limit_mib, 2 * medium.memory_mib);
  // More pixels, frames, bits or a slower preset never ask for less.
  const Resources high = encode_resources({{1920, 1080, 30, 6000, "veryfast"}});
  const Resources slower = encode_resources({{854, 480, 30, 1500, "medium"}});
  EXPECT_GT(high.cpu_millicores, medium.cpu_millicores);
  EXPECT_GT(high.memory_mib, medium.memory_mib);
  EXPECT_GT(slower.cpu_millicores, medium.cpu_millicores);
  // Two encodes (simulcast) cost both.
  const Resources both =
      encode_resources({{854, 480, 30, 1500, "veryfast"}, {854, 480, 30, 1500, "veryfast"}});
  EXPECT_GT(both.cpu_millicores, medium.cpu_millicores + 250);
  // The process alone.
  EXPECT_EQ(encode_resources({}).cpu_millicores, 50);
  EXPECT_THROW(cores_per_megapixel_second("warp"), std::invalid_argument);
}

TEST(EncodeResources, ReadsEncodesFromTheLaunchLine) {
  const auto encodes = encodes_in_launch(
      "videotestsrc ! video/x-raw,width=1920,height=1080,framerate=60/1 ! queue\n"
      "  ! video/x-raw,format=I420,width=854,height=480,framerate=30/1\n"
      "  ! x264enc tune=zerolatency speed-preset=veryfast bitrate=\"1500\" ! h264parse ! fakesink\n"
      "voaacenc bitrate=128000 ! fakesink\n"
      "videotestsrc ! video/x-raw,width=640,height=360 ! x264enc ! fakesink");
  ASSERT_EQ(encodes.size(), 2u);
  EXPECT_EQ(encodes[0].width, 854);
  EXPECT_EQ(encodes[0].height, 480);
  EXPECT_EQ(encodes[0].fps, 30);
  EXPECT_EQ(encodes[0].bitrate_kbps, 1500);
  EXPECT_EQ(encodes[0].preset, "veryfast");
  // x264enc's own defaults where the line sets none; the earlier framerate still applies.
  EXPECT_EQ(encodes[1].width, 640);
  EXPECT_EQ(encodes[1].preset, "medium");
  EXPECT_EQ(encodes[1].bitrate_kbps, 2048);
  EXPECT_EQ(encodes[1].fps, 30);
  EXPECT_TRUE(encodes_in_launch("audiotestsrc ! fakesink").empty());
}

ChannelSpec sample_channel() {
  ChannelSpec spec;
  spec.channel = "news";
  spec.image = "localhost/onair:latest";
  spec.pipeline_file = "news.pipeline";
  spec.pipeline_text = "name: news\nvar key: required secret\n---\nfakesrc ! fakesink\n";
  spec.secret_variables = {"key"};
  spec.secret_name = "news-keys";
  spec.eos_timeout = 12.5;
  ChannelPod &pod = spec.pods.emplace_back();
  pod.name = "news";
  ChannelProcess &process = pod.processes.emplace_back();
  process.name = "onair";
  process.sets = {{"status", "yes: \"quoted\" # not a comment\n- item"}};
  process.resources = encode_resources({});
  return spec;
}

TEST(ChannelManifests, SecretsOnlyByReference) {
  const std::string out = channel_manifests(sample_channel());
  EXPECT_NE(out.find("- \"key=env:ONAIR_KEY\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("name: ONAIR_KEY\n"), std::string::npos);
  EXPECT_NE(out.find("secretKeyRef:\n"), std::string::npos);
  EXPECT_NE(out.find("name: news-keys\n"), std::string::npos);
  EXPECT_EQ(out.find("kind: Secret"), std::string::npos);
  // A hostile value stays one argument.
  EXPECT_NE(out.find("- \"status=yes: \\\"quoted\\\" # not a comment\\n- item\"\n"),
            std::string::npos)
      << out;
}

TEST(ChannelManifests, OneReplicaProbesGraceAndVolume) {
  const std::string out = channel_manifests(sample_channel());
  EXPECT_NE(out.find("kind: StatefulSet\n"), std::string::npos);
  EXPECT_NE(out.find("replicas: 1\n"), std::string::npos);
  EXPECT_NE(out.find("path: /healthz\n"), std::string::npos);
  EXPECT_NE(out.find("path: /readyz\n"), std::string::npos);
  // The drain bound rounded up, the stop bound after it and the time to exit.
  EXPECT_NE(out.find("terminationGracePeriodSeconds: 28\n"), std::string::npos);
  EXPECT_NE(out.find("- \"--eos-timeout\"\n            - \"12.5\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("volumeClaimTemplates:\n"), std::string::npos);
  EXPECT_NE(out.find("prometheus.io/path: /metrics\n"), std::string::npos);
  EXPECT_NE(out.find("  news.pipeline: |2\n    name: news\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("nodeSelector"), std::string::npos);
}

TEST(ChannelManifests, CardPodsAskForTheirDevice) {
  ChannelSpec spec = sample_channel();
  spec.secret_variables.clear();
  ChannelPod &pod = spec.pods.front();
  pod.name = "sdi-card0";
  pod.device_resource = "deltacast.tv/sdi";
  pod.node_selector = {{"onair.dev/sdi", "deltacast"}};
  pod.processes.push_back(pod.processes.front());
  pod.processes[0].name = "port-0-0";
  pod.processes[1].name = "port-0-1";
  pod.processes[1].web_port = 8081;
  const std::string out = channel_manifests(spec);
  EXPECT_NE(out.find("nodeSelector:\n        onair.dev/sdi: deltacast\n"), std::string::npos)
      << out;
  size_t count = 0;
  for (size_t at = out.find("deltacast.tv/sdi: \"1\""); at != std::string::npos;
       at = out.find("deltacast.tv/sdi: \"1\"", at + 1))
    count++;
  EXPECT_EQ(count, 4u);  // requests and limits of each port
  EXPECT_NE(out.find("subPath: port-0-1\n"), std::string::npos);
  EXPECT_NE(out.find("name: web-1\n"), std::string::npos);
  EXPECT_EQ(out.find("env:"), std::string::npos);
}

TEST(ChannelManifests, Names) {
  EXPECT_EQ(secret_env_name("twitch_key"), "ONAIR_TWITCH_KEY");
  EXPECT_TRUE(is_object_name("sdi-preview"));
  EXPECT_FALSE(is_object_name("Rtmp"));
  EXPECT_FALSE(is_object_name("a_b"));
  EXPECT_FALSE(is_object_name("-a"));
  EXPECT_FALSE(is_object_name(std::string(64, 'a')));
}

TEST(DeployOptions, ParsesAndRefuses) {
  const DeployOptions d = parse_deploy_options(
      {"rtmp", "-s", "server=rtmp://x/app", "--namespace", "live", "--image=reg/onair:1",
       "--eos-timeout", "20", "--storage", "50Gi", "--node-selector", "card=duo"});
  EXPECT_EQ(d.pipeline, "rtmp");
  ASSERT_EQ(d.sets.size(), 1u);
  EXPECT_EQ(d.sets[0].second, "rtmp://x/app");
  EXPECT_EQ(d.namespace_name, "live");
  EXPECT_EQ(d.image, "reg/onair:1");
  EXPECT_EQ(d.eos_timeout, 20);
  EXPECT_EQ(d.storage, "50Gi");
  EXPECT_EQ(d.node_selector.at("card"), "duo");
  EXPECT_THROW(parse_deploy_options({}), UsageError);
  EXPECT_THROW(parse_deploy_options({"rtmp", "--name", "Bad_Name"}), UsageError);
  EXPECT_THROW(parse_deploy_options({"rtmp", "--storage", "lots"}), UsageError);
  EXPECT_THROW(parse_deploy_options({"rtmp", "--web-port", "70000"}), UsageError);
  EXPECT_THROW(parse_deploy_options({"rtmp", "--bogus"}), UsageError);
  EXPECT_THROW(parse_deploy_options({"rtmp", "-s", "novalue"}), UsageError);
  EXPECT_EQ(sdi_device_resource("decklink"), "blackmagicdesign.com/decklink");
  EXPECT_EQ(sdi_device_resource("deltacast"), "deltacast.tv/sdi");
}

TEST(DeployOptions, CommandLineHandsThemOver) {
  const Options o = parse_command_line({"deploy", "rtmp", "--namespace", "x"});
  EXPECT_EQ(o.command, Options::Command::kDeploy);
  EXPECT_EQ(o.deploy_args, (std::vector<std::string>{"rtmp", "--namespace", "x"}));
  EXPECT_EQ(parse_command_line({"deploy", "--help"}).help_topic, "deploy");
  EXPECT_NE(help_text("deploy").find("--eos-timeout"), std::string::npos);
}

}  // namespace
}  // namespace onair::app

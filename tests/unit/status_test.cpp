#include "run/status.h"
#include "common/json_string.h"
#include "common/redactor.h"
#include "common/text.h"

#include <gtest/gtest.h>

using namespace onair::app;

namespace {

Status sample() {
  Status s;
  s.pipeline = "demo";
  s.description = "Test \"scene\"";
  s.state = "playing";
  s.uptime = 3723.4;
  s.run_dir = "/tmp/r";
  MonitorFigures v;
  v.name = "video";
  v.media = "video/x-h264";
  v.fps = 29.97;
  v.bitrate = 2'500'000;
  v.buffers = 100;
  v.dropped = 2;
  v.gaps = 1;
  v.latency_ns = 12'500'000;
  v.alerts = {"fps-low"};
  s.monitors.push_back(v);
  return s;
}

}  // namespace

TEST(Status, Line) {
  EXPECT_EQ(status_line(sample()),
            "playing 01:02:03 | video 30.0 fps 2.50 Mb/s dropped 2 gaps 1 [fps-low]");
  Status s = sample();
  s.monitors[0].stalled = true;
  s.monitors[0].bitrate = 0;
  s.monitors[0].dropped = s.monitors[0].gaps = 0;
  s.monitors[0].alerts.clear();
  EXPECT_EQ(status_line(s), "playing 01:02:03 | video STALLED 0 b/s");
}

TEST(Status, Json) {
  EXPECT_EQ(status_json(sample()),
            "{\"pipeline\":\"demo\",\"description\":\"Test \\\"scene\\\"\",\"state\":\"playing\","
            "\"uptime\":3723.400,\"run_dir\":\"/tmp/r\",\"monitors\":[{\"name\":\"video\","
            "\"media\":\"video/x-h264\",\"fps\":29.970,\"bitrate\":2500000.000,\"buffers\":100,"
            "\"bytes\":0,\"gaps\":1,\"dropped\":2,\"discont\":0,\"stalled\":false,"
            "\"latency_ms\":12.500,\"jitter_ms\":null,\"alerts\":[\"fps-low\"]}],\"outputs\":[],"
            "\"inputs\":[],\"streams\":[],\"sources\":[]}");
}

TEST(Status, SourcesOnTheSlate) {
  Status s = sample();
  SourceFigures live;
  live.name = "camera";
  live.state = "live";
  live.lost_count = 1;
  live.last_error = "Could not connect";
  SourceFigures lost;
  lost.name = "input";
  lost.state = "lost";
  lost.lost_count = 2;
  lost.lost_for = 3.5;
  lost.reason = "error";
  lost.last_error = "Connection refused";
  lost.next_attempt_in = 2;
  s.sources = {live, lost};
  const std::string j = status_json(s);
  EXPECT_NE(j.find("\"sources\":[{\"name\":\"camera\",\"state\":\"live\",\"lost_count\":1,"
                   "\"lost_for\":null,\"reason\":\"\",\"last_error\":\"Could not connect\","
                   "\"next_attempt_in\":null},{\"name\":\"input\",\"state\":\"lost\","
                   "\"lost_count\":2,\"lost_for\":3.500,\"reason\":\"error\","
                   "\"last_error\":\"Connection refused\",\"next_attempt_in\":2.000}]"),
            std::string::npos)
      << j;
  const std::string line = status_line(s);
  EXPECT_NE(line.find("| input SLATE error 00:00:03 retry in 2 s"), std::string::npos) << line;
  EXPECT_EQ(line.find("camera"), std::string::npos);  // a live source needs no look
  const std::string m = metrics_text(s);
  EXPECT_NE(m.find("onair_source_up{pipeline=\"demo\",source=\"camera\"} 1"), std::string::npos)
      << m;
  EXPECT_NE(m.find("onair_source_up{pipeline=\"demo\",source=\"input\"} 0"), std::string::npos);
  EXPECT_NE(m.find("onair_source_lost_total{pipeline=\"demo\",source=\"input\"} 2"),
            std::string::npos);
}

TEST(Status, JsonStringEscapesEverything) {
  EXPECT_EQ(json_string("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\u000a\\u0001\"");
  EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(json_string("bad\xff!"), "\"bad\xEF\xBF\xBD!\"");
  EXPECT_EQ(json_string("\xe2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(Status, Formats) {
  EXPECT_EQ(format_bitrate(128'000), "128 kb/s");
  EXPECT_EQ(format_bitrate(6'000'000), "6.00 Mb/s");
  EXPECT_EQ(format_bitrate(12), "12 b/s");
  EXPECT_EQ(format_duration(59.9), "00:00:59");
  EXPECT_EQ(format_duration(-5), "00:00:00");
}

TEST(Text, Utf8AndExcerpts) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x8e\xa5 emoji"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(printable_excerpt("ab\ncd", 10), "ab?cd");
  EXPECT_EQ(printable_excerpt("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9...");
  EXPECT_EQ(trim("  x y \t\n"), "x y");
}

TEST(Text, RedactorHidesEverySecret) {
  Redactor r;
  r.add("live_abc123");
  r.add("abc");
  r.add("x");  // too short to hide
  EXPECT_EQ(r("rtmp://host/app/live_abc123 and abc and x"), "rtmp://host/app/*** and *** and x");
  EXPECT_EQ(r("live_abc123live_abc123"), "******");
}

TEST(Text, UrlSecretPartsAreTheStreamNameAndThePassword) {
  using V = std::vector<std::string>;
  EXPECT_EQ(url_secret_parts("rtmp://host:1935/live/key123"), V{"key123"});
  EXPECT_EQ(url_secret_parts("rtmps://u:pw9@host/app/inst/key?t=1"), (V{"pw9", "key?t=1", "key"}));
  EXPECT_EQ(url_secret_parts("rtmp://host/live"), V{});  // the app alone
  EXPECT_EQ(url_secret_parts("rtmp://host/live/"), V{});
  EXPECT_EQ(url_secret_parts("rtmp://user@host"), V{});
  EXPECT_EQ(url_secret_parts("not a url/with/slashes"), V{});
}

TEST(Text, RedactorHidesTheStreamNameOfASecretUrl) {
  Redactor r;
  r.add("rtmp://127.0.0.1:1935/live/live_abc123");
  EXPECT_EQ(r("location rtmp://127.0.0.1:1935/live/live_abc123"), "location ***");
  EXPECT_EQ(r("Sending play for 'live_abc123' on stream 1"), "Sending play for '***' on stream 1");
  EXPECT_EQ(r("state live"), "state live");  // the application name stays
}

TEST(Text, RedactorAddsAnothersSecretsToItsOwn) {
  Redactor first, second;
  first.add("key-of-the-first");
  second.add("key");
  second.add("rtmp://host/live/key-of-the-second");
  first.add(second);
  EXPECT_EQ(first("key-of-the-first key-of-the-second key"), "*** *** ***");
  EXPECT_EQ(second("key-of-the-first"), "***-of-the-first");  // `second` is unchanged
}

TEST(Status, RedactedHidesSecretsInEveryTextField) {
  Status s = sample();
  s.monitors[0].name = "key-supersecret";
  s.run_dir = "/runs/supersecret";
  StreamFigures stream;
  stream.name = "supersecret-frames";
  stream.path = "/supersecret/ws";
  s.streams.push_back(stream);
  Redactor r;
  r.add("supersecret");
  const std::string json = status_json(redacted(s, r));
  EXPECT_EQ(json.find("supersecret"), std::string::npos) << json;
  EXPECT_NE(json.find("\"name\":\"key-***\""), std::string::npos) << json;
}

namespace {

Status with_output() {
  Status s = sample();
  OutputFigures o;
  o.name = "live";
  o.location = "rtmp://host/app/***";
  o.state = "live";
  o.bitrate = 1'550'000;
  o.frames_sent = 900;
  o.bytes_sent = 5'000'001;
  o.frames_dropped = 3;
  o.reconnects = 1;
  o.uptime = 30.5;
  o.latency_ns = 120'000'000;
  s.outputs.push_back(o);
  return s;
}

}  // namespace

TEST(Status, OutputsInLineAndJson) {
  Status s = with_output();
  EXPECT_EQ(status_line(s),
            "playing 01:02:03 | video 30.0 fps 2.50 Mb/s dropped 2 gaps 1 [fps-low] | live live "
            "1.55 Mb/s up 00:00:30 latency 120 ms dropped 3 reconnects 1");
  s.outputs[0].state = "reconnecting";
  s.outputs[0].attempt = 4;
  EXPECT_NE(status_line(s).find("| live reconnecting #4 dropped 3"), std::string::npos);
  const std::string json = status_json(with_output());
  EXPECT_NE(json.find("\"outputs\":[{\"name\":\"live\",\"location\":\"rtmp://host/app/***\","
                      "\"state\":\"live\",\"bitrate\":1550000.000,\"frames_sent\":900,"
                      "\"bytes_sent\":5000001,\"frames_dropped\":3,\"reconnects\":1,"
                      "\"attempt\":0,\"uptime\":30.500,\"encoding_latency_ms\":120.000,"
                      "\"next_attempt_in\":null,\"last_error\":\"\"}]"),
            std::string::npos)
      << json;
}

TEST(Status, PrometheusMetrics) {
  Status s = with_output();
  s.pipeline = "we\"ird";
  const std::string m = metrics_text(s);
  EXPECT_NE(m.find("# TYPE onair_up gauge\nonair_up{pipeline=\"we\\\"ird\"} 1\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("onair_monitor_fps{pipeline=\"we\\\"ird\",monitor=\"video\"} 29.97\n"),
            std::string::npos);
  EXPECT_NE(
      m.find("# TYPE onair_output_bytes_sent_total counter\n"
             "onair_output_bytes_sent_total{pipeline=\"we\\\"ird\",output=\"live\"} 5000001\n"),
      std::string::npos)
      << m;
  EXPECT_NE(
      m.find(
          "onair_output_encoding_latency_seconds{pipeline=\"we\\\"ird\",output=\"live\"} 0.12\n"),
      std::string::npos);
  EXPECT_NE(m.find("onair_output_state{pipeline=\"we\\\"ird\",output=\"live\",state=\"live\"} 1\n"),
            std::string::npos);
  // Every sample line is "name{labels} value".
  size_t samples = 0;
  for (size_t pos = 0; pos < m.size();) {
    const size_t end = m.find('\n', pos);
    const std::string line = m.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] == '#') continue;
    samples++;
    EXPECT_NE(line.find("} "), std::string::npos) << line;
  }
  EXPECT_GT(samples, 15u);
}

TEST(Status, InputsInLineJsonAndMetrics) {
  Status s = sample();
  InputFigures in;
  in.name = "video_in";
  in.connected = true;
  in.frames_received = 300;
  in.frames_repeated = 12;
  in.bytes_received = 491904000;
  s.inputs.push_back(in);
  InputFigures sound;
  sound.name = "audio_in";
  sound.silence_inserted = 2.5;
  s.inputs.push_back(sound);
  // The line names an input only when it needs a look: here, nobody writes sound.
  EXPECT_EQ(status_line(s),
            "playing 01:02:03 | video 30.0 fps 2.50 Mb/s dropped 2 gaps 1 [fps-low] | audio_in "
            "no writer");
  s.inputs[0].stalled = true;
  s.inputs[0].frames_refused = 2;
  EXPECT_NE(status_line(s).find("| video_in STALLED refused 2 | audio_in no writer"),
            std::string::npos)
      << status_line(s);
  const std::string json = status_json(s);
  EXPECT_NE(json.find("\"inputs\":[{\"name\":\"video_in\",\"connected\":true,\"stalled\":true,"
                      "\"frames_received\":300,\"frames_repeated\":12,\"frames_refused\":2,"
                      "\"bytes_received\":491904000,\"silence_inserted\":0.000},{\"name\":"
                      "\"audio_in\",\"connected\":false,"),
            std::string::npos)
      << json;
  const std::string m = metrics_text(s);
  EXPECT_NE(m.find("# TYPE onair_input_frames_refused_total counter\n"
                   "onair_input_frames_refused_total{pipeline=\"demo\",input=\"video_in\"} 2\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("onair_input_silence_inserted_seconds_total{pipeline=\"demo\",input="
                   "\"audio_in\"} 2.5\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("onair_input_connected{pipeline=\"demo\",input=\"audio_in\"} 0\n"),
            std::string::npos);
}

TEST(Status, StreamsInLineJsonAndMetrics) {
  Status s = sample();
  s.monitors.clear();
  StreamFigures frames;
  frames.name = "frames";
  frames.path = "/ascii/ws";
  frames.clients = 2;
  frames.connections = 5;
  frames.frames_sent = 700;
  frames.bytes_sent = 7'616'000;
  frames.dropped = 3;
  s.streams.push_back(frames);
  StreamFigures sound;
  sound.name = "sound";
  sound.path = "/ascii/audio.aac";
  s.streams.push_back(sound);
  // Only streams with clients are named; a browser holds one of each.
  EXPECT_EQ(status_line(s), "playing 01:02:03 | clients frames 2");
  s.streams[1].clients = 1;
  EXPECT_EQ(status_line(s), "playing 01:02:03 | clients frames 2, sound 1");
  s.streams[0].clients = s.streams[1].clients = 0;
  EXPECT_EQ(status_line(s), "playing 01:02:03 | clients 0");
  s.streams[0].clients = 2;

  const std::string json = status_json(s);
  EXPECT_NE(json.find("\"streams\":[{\"name\":\"frames\",\"path\":\"/ascii/ws\",\"clients\":2,"
                      "\"connections\":5,\"frames_sent\":700,\"bytes_sent\":7616000,"
                      "\"dropped\":3},{\"name\":\"sound\",\"path\":\"/ascii/audio.aac\","
                      "\"clients\":0,"),
            std::string::npos)
      << json;
  const std::string m = metrics_text(s);
  EXPECT_NE(
      m.find("# TYPE onair_stream_clients gauge\n"
             "onair_stream_clients{pipeline=\"demo\",stream=\"frames\",path=\"/ascii/ws\"} 2\n"
             "onair_stream_clients{pipeline=\"demo\",stream=\"sound\",path="
             "\"/ascii/audio.aac\"} 0\n"),
      std::string::npos)
      << m;
  EXPECT_NE(m.find("# TYPE onair_stream_dropped_total counter\n"
                   "onair_stream_dropped_total{pipeline=\"demo\",stream=\"frames\",path="
                   "\"/ascii/ws\"} 3\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("onair_stream_bytes_sent_total{pipeline=\"demo\",stream=\"frames\",path="
                   "\"/ascii/ws\"} 7616000\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("onair_stream_frames_sent_total{pipeline=\"demo\",stream=\"frames\",path="
                   "\"/ascii/ws\"} 700\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("onair_stream_connections_total{pipeline=\"demo\",stream=\"frames\",path="
                   "\"/ascii/ws\"} 5\n"),
            std::string::npos)
      << m;
}

TEST(Status, Session) {
  Status s = sample();
  s.session = SessionFigures{"20261204_153000", "", 1, "", 1};
  EXPECT_NE(status_line(s).find(" | session 20261204_153000 waiting for a sender"),
            std::string::npos);
  std::string json = status_json(s);
  EXPECT_NE(json.find(R"("session":{"id":"20261204_153000","waiting":true,"sender":null,)"
                      R"("senders":1,"segment":null,"segments":1}})"),
            std::string::npos)
      << json;
  s.session->sender = "127.0.0.1:5000";
  s.session->segment = "stream/recording_001.mp4";
  EXPECT_NE(status_line(s).find(
                " | session 20261204_153000 sender 127.0.0.1:5000 stream/recording_001.mp4"),
            std::string::npos);
  json = status_json(s);
  EXPECT_NE(json.find(R"("waiting":false,"sender":"127.0.0.1:5000")"), std::string::npos);
}

TEST(Status, SpeechInLineJsonAndMetrics) {
  Status s = sample();
  s.monitors.clear();
  // Without a speech element the JSON has no "speech" member.
  EXPECT_EQ(status_json(s).find("\"speech\""), std::string::npos);
  SpeechFigures sp;
  sp.name = "speech";
  s.speech.push_back(sp);
  EXPECT_EQ(status_line(s), "playing 01:02:03 | speech idle");
  EXPECT_NE(status_json(s).find(R"("speech":[{"name":"speech","speaking":null,)"
                                R"("speaking_id":null,"queue_length":0,"played":0,)"
                                R"("refused":0,"failed":0}])"),
            std::string::npos)
      << status_json(s);
  s.speech[0].speaking = "Welcome to onair, a line long enough to be cut in the status";
  s.speech[0].speaking_id = 3;
  s.speech[0].queue_length = 2;
  s.speech[0].played = 7;
  s.speech[0].refused = 1;
  s.speech[0].failed = 4;
  EXPECT_EQ(status_line(s),
            "playing 01:02:03 | speech #3 \"Welcome to onair, a line long ...\" +2 waiting");
  const std::string json = status_json(s);
  EXPECT_NE(json.find(R"("speaking":"Welcome to onair, a line long enough to be cut in the )"
                      R"(status","speaking_id":3,"queue_length":2,"played":7,"refused":1,)"
                      R"("failed":4})"),
            std::string::npos)
      << json;
  const std::string m = metrics_text(s);
  EXPECT_NE(m.find("# TYPE onair_speech_items_total counter\n"
                   "onair_speech_items_total{pipeline=\"demo\",speech=\"speech\",result="
                   "\"played\"} 7\n"
                   "onair_speech_items_total{pipeline=\"demo\",speech=\"speech\",result="
                   "\"refused\"} 1\n"
                   "onair_speech_items_total{pipeline=\"demo\",speech=\"speech\",result="
                   "\"failed\"} 4\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("onair_speech_queue_length{pipeline=\"demo\",speech=\"speech\"} 2\n"),
            std::string::npos);
  EXPECT_NE(m.find("onair_speech_speaking{pipeline=\"demo\",speech=\"speech\"} 1\n"),
            std::string::npos);
  Redactor redact;
  redact.add("onair");
  EXPECT_EQ(redacted(s, redact).speech[0].speaking.find("onair"), std::string::npos);
}

TEST(Status, OverlaysSceneDetectorsAndTheNextAttempt) {
  Status s = sample();
  EXPECT_EQ(status_json(s).find("\"overlays\""), std::string::npos);  // none: not listed
  EXPECT_EQ(status_json(s).find("\"scene_detectors\""), std::string::npos);
  s.overlays.push_back({"overlay", "LIVE secret", 3, 100});
  s.scene_detectors = {"scenes"};
  OutputFigures o;
  o.name = "live";
  o.state = "reconnecting";
  o.next_attempt_in = 2.25;
  s.outputs.push_back(o);
  const std::string json = status_json(s);
  EXPECT_NE(json.find(R"("overlays":[{"name":"overlay","status":"LIVE secret","chat_count":3,)"
                      R"("alerts_queued":100}],"scene_detectors":["scenes"])"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("next_attempt_in":2.250,)"), std::string::npos) << json;
  Redactor redact;
  redact.add("secret");
  EXPECT_EQ(redacted(s, redact).overlays[0].status, "LIVE ***");
}

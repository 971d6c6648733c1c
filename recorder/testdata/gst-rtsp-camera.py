#!/usr/bin/python3
"""A third-party RTSP camera for Custodian's interoperability test: GStreamer's RTSP server
serving an MP4 file's H.264 or H.265 video at rtsp://127.0.0.1:PORT/cam, looping in real time.

A producer pipeline plays the file and sends RTP to a loopback UDP port, seeking back to the
start at the end of the stream; a shared RTSPMediaFactory relays it (depay, parse, pay), so
that timestamps keep increasing across loops, as a real camera's do (MEDIA.md).

Usage: /usr/bin/python3 gst-rtsp-camera.py FILE PORT [h264|h265]
Prints "ready rtsp://127.0.0.1:PORT/cam" on standard output once it listens.
"""
import socket
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, port = sys.argv[1], sys.argv[2]
    codec = sys.argv[3] if len(sys.argv) > 3 else "h264"
    if codec not in ("h264", "h265"):
        sys.exit("codec must be h264 or h265")
    Gst.init(None)
    udp = free_udp_port()
    caps = "application/x-rtp,media=video,clock-rate=90000,encoding-name=%s,payload=96" % codec.upper()
    producer = Gst.parse_launch(
        "filesrc location=%s ! qtdemux ! %sparse config-interval=-1 ! rtp%spay pt=96 config-interval=-1 ! "
        "udpsink host=127.0.0.1 port=%d sync=true" % (path, codec, codec, udp))
    bus = producer.get_bus()
    bus.add_signal_watch()

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            producer.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT, 0)
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            sys.stderr.write("producer error: %s %s\n" % (err, dbg))
            loop.quit()

    bus.connect("message", on_message)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        '( udpsrc address=127.0.0.1 port=%d caps="%s" ! rtp%sdepay ! %sparse config-interval=-1 ! rtp%spay name=pay0 pt=96 config-interval=-1 )'
        % (udp, caps, codec, codec, codec))
    factory.set_shared(True)
    server.get_mount_points().add_factory("/cam", factory)
    if server.attach(None) == 0:
        sys.exit("cannot listen on 127.0.0.1:%s" % port)
    producer.set_state(Gst.State.PLAYING)
    print("ready rtsp://127.0.0.1:%s/cam" % port, flush=True)
    loop = GLib.MainLoop()
    loop.run()


if __name__ == "__main__":
    main()

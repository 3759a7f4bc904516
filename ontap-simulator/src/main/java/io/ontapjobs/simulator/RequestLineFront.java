package io.ontapjobs.simulator;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * The socket clients connect to, in front of the JDK's HTTP server (which listens on loopback only).
 *
 * <p>Why: the JDK server parses the request target with {@link java.net.URI} before any handler runs, and answers a
 * target with a character URI rejects — a raw {@code |} as in {@code ?message.name=a|b}, which curl and many clients
 * send as is, and which ONTAP serves — with its own HTML {@code 400 "URISyntaxException thrown"}. This front reads
 * each request's head, percent-encodes those characters in the request line (so the request is served as ONTAP would),
 * passes the original target along in {@link #ORIGINAL_URI_HEADER}, and copies the body (Content-Length or chunked)
 * and the answers through unchanged (so faults that drop or truncate an answer reach the client as they are). It also
 * ends TLS when the simulator serves HTTPS. Two threads per open connection, daemon, from its own pool.
 */
final class RequestLineFront {
    /** Set on requests whose target the front re-encoded: the target as the client sent it. */
    static final String ORIGINAL_URI_HEADER = "X-Ontap-Simulator-Original-Uri";
    /** Longest request head line accepted (well above the simulator's 8 KiB URI limit, so that one is answered 414). */
    private static final int MAX_LINE = 256 * 1024;

    private final ServerSocket listener;
    private final InetSocketAddress backend;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    RequestLineFront(String bindAddress, int port, SSLContext tls, InetSocketAddress backend) throws IOException {
        this.backend = backend;
        InetAddress address = InetAddress.getByName(bindAddress);
        if (tls != null) {
            listener = tls.getServerSocketFactory().createServerSocket(port, 1024, address);
        } else {
            listener = new ServerSocket();
            listener.setReuseAddress(true); // as the JDK server did: a fixed port is free again at once after close
            listener.bind(new InetSocketAddress(address, port), 1024);
        }
        AtomicInteger n = new AtomicInteger();
        threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ontap-sim-front-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    void close() {
        closed = true;
        closeQuietly(listener);
        open.forEach(RequestLineFront::closeQuietly);
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            try {
                threads.execute(() -> serve(client));
            } catch (RuntimeException e) { // shutting down
                closeQuietly(client);
            }
        }
    }

    private void serve(Socket client) {
        Socket server = new Socket();
        open.add(client);
        open.add(server);
        try {
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
            server.connect(backend, 5000);
            InputStream fromServer = new BufferedInputStream(server.getInputStream(), 16 * 1024);
            OutputStream toClient = new BufferedOutputStream(client.getOutputStream(), 16 * 1024);
            Turns turns = new Turns();
            threads.execute(() -> {
                try {
                    relayResponses(fromServer, toClient, turns); // answers pass unchanged: faults (drop, truncate) reach the client as they are
                } catch (IOException ignored) {
                    // either side went away
                } finally {
                    turns.end();
                    try {
                        toClient.flush(); // what came before the server closed (a truncated answer) still reaches the client
                    } catch (IOException ignored) {
                        // client gone
                    }
                    closeQuietly(client);
                    closeQuietly(server);
                }
            });
            relayRequests(new BufferedInputStream(client.getInputStream(), 16 * 1024),
                    new BufferedOutputStream(server.getOutputStream(), 16 * 1024), turns);
            server.shutdownOutput(); // the client is done sending; let the answers finish
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
            closeQuietly(server);
        } finally {
            open.remove(client);
            open.remove(server);
        }
    }

    /**
     * One request at a time on a connection: the next request is passed on only once the previous answer is complete,
     * so the JDK server never sees pipelined requests (its handling of them is nothing to rely on), and the answer side
     * knows which method each answer is for (a HEAD answer has no body).
     */
    private static final class Turns {
        private final java.util.concurrent.Semaphore free = new java.util.concurrent.Semaphore(1);
        private final java.util.concurrent.LinkedBlockingQueue<String> methods = new java.util.concurrent.LinkedBlockingQueue<>();
        private volatile boolean ended;

        /** Waits for the previous answer; false once the connection is gone. */
        boolean take(String method) throws IOException {
            try {
                while (!free.tryAcquire(1, java.util.concurrent.TimeUnit.SECONDS)) {
                    if (ended) {
                        return false;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            if (ended) {
                return false;
            }
            methods.add(method);
            return true;
        }

        /** The method of the request the next answer is for; null when the connection ends first. */
        String next() throws IOException {
            try {
                while (true) {
                    String m = methods.poll(1, java.util.concurrent.TimeUnit.SECONDS);
                    if (m != null || ended) {
                        return m;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }

        void answered() {
            free.release();
        }

        void end() {
            ended = true;
            free.release();
        }
    }

    /** Answer after answer, copied as they are; each complete final answer lets the next request go. */
    private static void relayResponses(InputStream in, OutputStream out, Turns turns) throws IOException {
        while (true) {
            String statusLine = readLine(in);
            if (statusLine == null) {
                out.flush();
                return;
            }
            String method = turns.next();
            while (true) {
                writeLine(out, statusLine);
                int status;
                try {
                    status = Integer.parseInt(statusLine.split(" ")[1]);
                } catch (RuntimeException e) {
                    in.transferTo(out); // not HTTP as expected: pass the rest and stop
                    out.flush();
                    return;
                }
                long length = -1;
                boolean chunked = false;
                while (true) {
                    String line = readLine(in);
                    if (line == null) {
                        out.flush();
                        return;
                    }
                    writeLine(out, line);
                    if (line.isEmpty()) {
                        break;
                    }
                    int colon = line.indexOf(':');
                    String name = colon < 0 ? "" : line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = colon < 0 ? "" : line.substring(colon + 1).trim();
                    if (name.equals("content-length")) {
                        try {
                            length = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            length = -1;
                        }
                    } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                        chunked = true;
                    }
                }
                if (status >= 100 && status < 200) { // interim (100 Continue): the final answer follows
                    out.flush();
                    statusLine = readLine(in);
                    if (statusLine == null) {
                        out.flush();
                        return;
                    }
                    continue;
                }
                if ("HEAD".equals(method) || status == 204 || status == 304) {
                    // no body
                } else if (chunked) {
                    copyChunked(in, out);
                } else if (length >= 0) {
                    copy(in, out, length);
                } else {
                    in.transferTo(out); // delimited by the end of the connection
                    out.flush();
                    return;
                }
                out.flush();
                turns.answered();
                break;
            }
        }
    }

    /** Request after request (keep-alive): head with a repaired request line, then the body as framed. */
    private static void relayRequests(InputStream in, OutputStream out, Turns turns) throws IOException {
        while (true) {
            String requestLine = readLine(in);
            if (requestLine == null) {
                return;
            }
            if (requestLine.isEmpty()) {
                continue; // tolerated between requests (RFC 9112, 2.2)
            }
            if (!turns.take(requestLine.split(" ", 2)[0].toUpperCase(Locale.ROOT))) {
                return;
            }
            long contentLength = 0;
            boolean chunked = false;
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            String[] parts = requestLine.split(" ", -1);
            String original = null;
            if (parts.length == 3) {
                String fixed = encodeIllegal(parts[1]);
                if (!fixed.equals(parts[1])) {
                    original = parts[1];
                    requestLine = parts[0] + " " + fixed + " " + parts[2];
                }
            }
            write(head, requestLine);
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                if (line.isEmpty()) {
                    break;
                }
                int colon = line.indexOf(':');
                String name = colon < 0 ? line : line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = colon < 0 ? "" : line.substring(colon + 1).trim();
                if (name.equals(ORIGINAL_URI_HEADER.toLowerCase(Locale.ROOT))) {
                    continue; // only the front sets it
                }
                if (name.equals("content-length")) {
                    try {
                        contentLength = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        contentLength = 0;
                    }
                } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                    chunked = true;
                }
                write(head, line);
            }
            if (original != null) {
                write(head, ORIGINAL_URI_HEADER + ": " + original);
            }
            write(head, "");
            head.writeTo(out);
            out.flush();
            if (chunked) {
                copyChunked(in, out);
            } else {
                copy(in, out, contentLength);
            }
            out.flush();
        }
    }

    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) {
                throw new IOException("connection closed inside a chunked body");
            }
            writeLine(out, sizeLine);
            String hex = sizeLine.contains(";") ? sizeLine.substring(0, sizeLine.indexOf(';')) : sizeLine;
            long size;
            try {
                size = Long.parseLong(hex.trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size: " + sizeLine);
            }
            if (size == 0) {
                while (true) { // trailers, then the empty line
                    String t = readLine(in);
                    if (t == null) {
                        return;
                    }
                    writeLine(out, t);
                    if (t.isEmpty()) {
                        return;
                    }
                }
            }
            copy(in, out, size);
            String crlf = readLine(in);
            writeLine(out, crlf == null ? "" : crlf);
            out.flush();
        }
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[8192];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new IOException("connection closed inside a body");
            }
            out.write(buf, 0, r);
            left -= r;
        }
    }

    /**
     * The request target with every character {@link java.net.URI} refuses percent-encoded: ASCII controls, space,
     * {@code " < > \ ^ ` { | }}, bytes above 0x7E, and a {@code %} not followed by two hex digits. Legal targets are
     * returned unchanged.
     */
    static String encodeIllegal(String target) {
        StringBuilder sb = null;
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            boolean bad = c <= 0x20 || c >= 0x7F || "\"<>\\^`{|}".indexOf(c) >= 0
                    || c == '%' && !(i + 2 < target.length() && hex(target.charAt(i + 1)) && hex(target.charAt(i + 2)));
            if (bad && sb == null) {
                sb = new StringBuilder(target.length() + 16).append(target, 0, i);
            }
            if (sb != null) {
                if (bad) {
                    sb.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
                            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? target : sb.toString();
    }

    private static boolean hex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    /** A line up to CRLF (or LF), bytes as ISO-8859-1 as HTTP/1.1 heads are; null at end of stream before any byte. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return sb.length() == 0 ? null : sb.toString();
            }
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw new IOException("request head line longer than " + MAX_LINE + " bytes");
            }
            sb.append((char) b);
        }
    }

    private static void write(ByteArrayOutputStream head, String line) {
        byte[] b = (line + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        head.write(b, 0, b.length);
    }

    private static void writeLine(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}

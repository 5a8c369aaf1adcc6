package org.permerge.checkpoint;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face hub on 127.0.0.1 that follows the documented download contract: {@code /<repo>/resolve/<rev>/<file>}
 * answers with {@code X-Repo-Commit}; small (git) files come back directly with their git blob id as {@code ETag};
 * large (LFS) files redirect to a CDN URL with {@code X-Linked-Etag} (their sha256) and {@code X-Linked-Size}; the
 * CDN honours {@code Range}. It can drop a connection mid-file or serve corrupted bytes, to test resuming and checks.
 */
final class FakeHub implements AutoCloseable {
    private static final Pattern RESOLVE = Pattern.compile("/(.+)/resolve/([^/]+)/(.+)");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    final HttpServer server;
    final String commit;
    private final Map<String, Map<String, byte[]>> repos = new LinkedHashMap<>();
    private final Map<String, byte[]> cdn = new HashMap<>();
    private final Set<String> corrupted = new HashSet<>();
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    /** Number of further CDN responses to cut off half-way. */
    final AtomicInteger drops = new AtomicInteger();
    /** When positive, every CDN response is cut off after this many bytes (a hopeless connection). */
    volatile int cutAfter = -1;

    FakeHub() throws IOException {
        byte[] c = new byte[20];
        new java.util.Random(42).nextBytes(c);
        commit = HexFormat.of().formatHex(c);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    FakeHub file(String repo, String name, byte[] content) {
        repos.computeIfAbsent(repo, r -> new LinkedHashMap<>()).put(name, content);
        if (isLfs(name)) cdn.put(sha256(content), content);
        return this;
    }

    void corrupt(byte[] content) {
        corrupted.add(sha256(content));
    }

    long requests(String prefix) {
        synchronized (log) {
            return log.stream().filter(l -> l.startsWith(prefix)).count();
        }
    }

    static boolean isLfs(String name) {
        return name.endsWith(".safetensors") || name.endsWith(".bin");
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** git's blob id: sha1 of "blob <length>\0" + content (the ETag the hub gives small files). */
    static String gitBlobId(byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(md.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        log.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range));
        boolean head = ex.getRequestMethod().equals("HEAD");
        Headers h = ex.getResponseHeaders();
        try (ex) {
            if (path.startsWith("/cdn/")) {
                serveCdn(ex, path.substring(5), range, head);
                return;
            }
            Matcher m = RESOLVE.matcher(path);
            if (!m.matches() || !repos.containsKey(m.group(1))) {
                h.set("X-Error-Code", "RepoNotFound");
                ex.sendResponseHeaders(404, -1);
                return;
            }
            String rev = m.group(2);
            if (!rev.equals("main") && !rev.equals(commit)) {
                h.set("X-Error-Code", "RevisionNotFound");
                ex.sendResponseHeaders(404, -1);
                return;
            }
            byte[] content = repos.get(m.group(1)).get(m.group(3));
            h.set("X-Repo-Commit", commit);
            if (content == null) {
                h.set("X-Error-Code", "EntryNotFound");
                ex.sendResponseHeaders(404, -1);
                return;
            }
            if (isLfs(m.group(3))) {
                String sha = sha256(content);
                h.set("X-Linked-Etag", "\"" + sha + "\"");
                h.set("X-Linked-Size", String.valueOf(content.length));
                h.set("ETag", "\"" + gitBlobId(content) + "\"");
                h.set("Location", endpoint() + "/cdn/" + sha);
                ex.sendResponseHeaders(302, -1);
                return;
            }
            h.set("ETag", "\"" + gitBlobId(content) + "\"");
            if (head) {
                ex.sendResponseHeaders(200, -1);
            } else {
                ex.sendResponseHeaders(200, content.length);
                ex.getResponseBody().write(content);
            }
        }
    }

    private void serveCdn(HttpExchange ex, String sha, String range, boolean head) throws IOException {
        byte[] content = cdn.get(sha);
        if (content == null) {
            ex.sendResponseHeaders(404, -1);
            return;
        }
        if (corrupted.contains(sha)) {
            content = content.clone();
            content[content.length / 3] ^= 1;
        }
        int from = 0;
        if (range != null) {
            Matcher r = RANGE.matcher(range);
            if (r.matches()) from = Integer.parseInt(r.group(1));
            if (from >= content.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        }
        int len = content.length - from;
        if (head) {
            ex.sendResponseHeaders(range != null ? 206 : 200, -1);
            return;
        }
        ex.sendResponseHeaders(range != null ? 206 : 200, len);
        OutputStream out = ex.getResponseBody();
        int send = len;
        if (drops.getAndUpdate(d -> Math.max(0, d - 1)) > 0) send = len / 2;
        if (cutAfter > 0) send = Math.min(send, cutAfter);
        out.write(content, from, send);
        out.flush();
        if (send < len) {
            // Fewer bytes than Content-Length promised: the server closes the connection, as a dropped one would end.
            throw new IOException("simulated connection drop");
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

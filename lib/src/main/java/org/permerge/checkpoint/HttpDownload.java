package org.permerge.checkpoint;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import org.permerge.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one URL to one file: resumable (bytes already in {@code <target>.partial} are requested no more, with an
 * HTTP Range request, also after a dropped connection), verified (sha256, when known) and atomic (the target appears
 * only when complete and verified). Honours {@code HF_HUB_OFFLINE=1}: then nothing is fetched.
 */
public final class HttpDownload {
    /** Attempts per fetch; each attempt resumes where the previous one stopped. */
    static final int ATTEMPTS = 5;
    /** How long to wait for a connection to open. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /**
     * How long a server may stay silent (before its headers, or between two pieces of the body) before the attempt
     * is abandoned; with {@link #ATTEMPTS} this bounds a stalled server's hold to a few minutes, not hours.
     */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    /** File locks are held per process, so threads of one process also need a monitor per file. */
    private static final java.util.concurrent.ConcurrentMap<Path, Object> IN_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Pattern TOTAL_ONLY = Pattern.compile("bytes \\*/(\\d+)");

    private final HttpClient client;
    private final boolean offline;
    private final boolean progress;
    private final Duration retryDelay;
    private final Duration readTimeout;

    /**
     * @param offline  when true every fetch of a missing file fails with instructions instead of using the network
     * @param progress whether to show a progress bar on the terminal for large files
     */
    public HttpDownload(boolean offline, boolean progress) {
        this(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(CONNECT_TIMEOUT).build(),
                offline, progress, Duration.ofSeconds(1), READ_TIMEOUT);
    }

    HttpDownload(HttpClient client, boolean offline, boolean progress, Duration retryDelay) {
        this(client, offline, progress, retryDelay, READ_TIMEOUT);
    }

    HttpDownload(HttpClient client, boolean offline, boolean progress, Duration retryDelay, Duration readTimeout) {
        this.client = client;
        this.offline = offline;
        this.progress = progress;
        this.retryDelay = retryDelay;
        this.readTimeout = readTimeout;
    }

    /** A downloader configured from the environment: {@code HF_HUB_OFFLINE}, progress bars on. */
    public static HttpDownload fromEnvironment() {
        return new HttpDownload(isOffline(System.getenv()), true);
    }

    /** Whether an environment asks for offline mode ({@code HF_HUB_OFFLINE} set to 1, true, yes or on). */
    public static boolean isOffline(Map<String, String> env) {
        String v = env.get("HF_HUB_OFFLINE");
        return v != null && Set.of("1", "true", "yes", "on").contains(v.trim().toLowerCase(Locale.ROOT));
    }

    /**
     * Downloads {@code url} to {@code target} unless the target already exists (and, when a checksum is given, matches
     * it). Uses {@link #fromEnvironment()}.
     *
     * @param sha256OrNull the expected sha256 as hex, or null when unknown
     * @return the target
     * @throws DownloadException naming the URL and the problem (HTTP status, network failure, checksum, offline mode)
     */
    public static Path fetch(URI url, Path target, String sha256OrNull) {
        return fromEnvironment().download(url, target, sha256OrNull);
    }

    /** Instance form of {@link #fetch(URI, Path, String)}. */
    public Path download(URI url, Path target, String sha256OrNull) {
        String expected = sha256OrNull == null ? null : sha256OrNull.toLowerCase(Locale.ROOT);
        if (expected != null && !expected.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 must be 64 hex digits, got '" + sha256OrNull + "'");
        }
        try {
            if (Files.isRegularFile(target)) {
                if (expected == null || expected.equals(sha256(target))) return target;
                throw new DownloadException(target + " exists but its sha256 is not " + expected
                        + "; delete it to download " + url + " again");
            }
            if (offline) {
                throw new DownloadException("offline mode (HF_HUB_OFFLINE=1): cannot download " + url + " to " + target
                        + ". Unset HF_HUB_OFFLINE to download it, or place the file at " + target + " yourself");
            }
            Files.createDirectories(target.toAbsolutePath().getParent());
            return downloadLocked(url, target, expected);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the download of " + url + " to " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Holds a lock on the partial file while downloading, so that two threads or processes fetching the same target
     * (two notebooks loading one model) take turns instead of interleaving their bytes; the second finds it done.
     */
    private Path downloadLocked(URI url, Path target, String expected) throws IOException {
        Path partial = partialOf(target);
        synchronized (IN_PROCESS.computeIfAbsent(partial.toAbsolutePath().normalize(), k -> new Object())) {
            try (FileChannel lockChannel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockChannel.lock()) {
                if (Files.isRegularFile(target)) {
                    // Someone else finished it while we waited; our open may have created an empty partial file.
                    if (Files.exists(partial) && Files.size(partial) == 0) Files.deleteIfExists(partial);
                    if (expected == null || expected.equals(sha256(target))) return target;
                    throw new DownloadException(target + " exists but its sha256 is not " + expected
                            + "; delete it to download " + url + " again");
                }
                try {
                    return transferAll(url, target, partial, expected);
                } finally {
                    if (Files.exists(partial) && Files.size(partial) == 0) Files.deleteIfExists(partial);
                }
            }
        }
    }

    private Path transferAll(URI url, Path target, Path partial, String expected) throws IOException {
        boolean done = false;
        for (int attempt = 1; attempt <= ATTEMPTS && !done; attempt++) {
            try {
                done = transfer(url, partial);
            } catch (IOException e) {
                if (e instanceof ConnectException && attempt == 1 && Files.size(partial) == 0) {
                    throw new DownloadException("cannot connect to " + url.getHost() + " to download " + url + ": " + e
                            + ". Check the network (and HF_ENDPOINT), or work offline with HF_HUB_OFFLINE=1 and files"
                            + " already in place", -1, e);
                }
                if (attempt == ATTEMPTS) {
                    throw new DownloadException("download of " + url + " failed " + ATTEMPTS + " times (connect timeout "
                            + CONNECT_TIMEOUT.toSeconds() + " s, read timeout " + readTimeout.toMillis() / 1000.0 + " s), last: " + e
                            + "; the " + Files.size(partial) + " bytes received are kept in " + partial
                            + " and the next attempt resumes from there", -1, e);
                }
                sleep(retryDelay.multipliedBy(attempt));
            }
        }
        if (!done) {
            throw new DownloadException("download of " + url + " did not complete: the server answered " + ATTEMPTS
                    + " times with a byte range that does not continue " + partial);
        }
        if (expected != null) {
            String got = sha256(partial);
            if (!got.equals(expected)) {
                Files.deleteIfExists(partial);
                throw new DownloadException("checksum mismatch for " + url + ": expected sha256 " + expected + ", got " + got
                        + "; the download was deleted (the server sent different bytes: retry later or report it)");
            }
        }
        AtomicFiles.move(partial, target);
        return target;
    }

    /** The temporary file a download of {@code target} grows in. */
    public static Path partialOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".partial");
    }

    /**
     * One attempt: requests the bytes the partial file lacks and appends them.
     *
     * @return true when the partial file is complete
     */
    private boolean transfer(URI url, Path partial) throws IOException {
        long have = Files.exists(partial) ? Files.size(partial) : 0;
        // The request timeout covers the wait for the headers; the body is watched by receive().
        HttpRequest.Builder rb = HttpRequest.newBuilder(url).GET().timeout(readTimeout)
                .header("Accept-Encoding", "identity");
        if (have > 0) rb.header("Range", "bytes=" + have + "-");
        HttpResponse<java.util.concurrent.Flow.Publisher<java.util.List<java.nio.ByteBuffer>>> resp;
        try {
            resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofPublisher());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new java.net.http.HttpTimeoutException("no answer from " + url.getHost() + " within " + readTimeout.toSeconds()
                    + " s (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException("interrupted while downloading " + url);
        }
        int status = resp.statusCode();
        long total;
        boolean append;
        if (status == 206 && have > 0) {
            Matcher m = CONTENT_RANGE.matcher(resp.headers().firstValue("Content-Range").orElse(""));
            if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                // A range we did not ask for: start over rather than splice bytes at the wrong place.
                discard(resp.body());
                Files.deleteIfExists(partial);
                return false;
            }
            total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            append = true;
        } else if (status == 200) {
            total = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
            append = false;
        } else if (status == 416 && have > 0) {
            discard(resp.body());
            Matcher m = TOTAL_ONLY.matcher(resp.headers().firstValue("Content-Range").orElse(""));
            if (m.matches() && Long.parseLong(m.group(1)) == have) return true; // already complete
            Files.deleteIfExists(partial);
            return false;
        } else {
            discard(resp.body());
            throw httpError(url, status, resp);
        }
        long start = append ? have : 0;
        try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
             ProgressBar bar = bar(url, start, total)) {
            receive(url, resp.body(), out, bar);
        }
        long now = Files.size(partial);
        if (total >= 0 && now != total) {
            throw new IOException("connection ended after " + now + " of " + total + " bytes");
        }
        return true;
    }

    private static void discard(java.util.concurrent.Flow.Publisher<java.util.List<java.nio.ByteBuffer>> body) {
        body.subscribe(HttpResponse.BodySubscribers.discarding());
    }

    /**
     * Copies the body to {@code out}, abandoning it (and closing the connection) when no bytes arrive for the read
     * timeout: a socket that stays open but silent would otherwise block a plain read for good.
     */
    private void receive(URI url, java.util.concurrent.Flow.Publisher<java.util.List<java.nio.ByteBuffer>> body, OutputStream out,
                         ProgressBar bar) throws IOException {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.atomic.AtomicLong lastProgress = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.Flow.Subscription> subscription =
                new java.util.concurrent.atomic.AtomicReference<>();
        body.subscribe(new java.util.concurrent.Flow.Subscriber<>() {
            @Override
            public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                subscription.set(s);
                s.request(1);
            }

            @Override
            public void onNext(java.util.List<java.nio.ByteBuffer> items) {
                try {
                    for (java.nio.ByteBuffer b : items) {
                        int n = b.remaining();
                        byte[] chunk = new byte[n];
                        b.get(chunk);
                        out.write(chunk);
                        if (bar != null) bar.stepBy(n);
                    }
                    lastProgress.set(System.nanoTime());
                    subscription.get().request(1);
                } catch (IOException e) {
                    subscription.get().cancel();
                    done.completeExceptionally(e);
                }
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }
        });
        long timeoutNanos = readTimeout.toNanos();
        while (true) {
            long waited = System.nanoTime() - lastProgress.get();
            try {
                done.get(Math.max(1, timeoutNanos - waited), java.util.concurrent.TimeUnit.NANOSECONDS);
                return;
            } catch (java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() - lastProgress.get() >= timeoutNanos) {
                    java.util.concurrent.Flow.Subscription s = subscription.get();
                    if (s != null) s.cancel();
                    throw new java.net.http.HttpTimeoutException("the server sent nothing for " + readTimeout.toMillis() / 1000.0
                            + " s in the middle of " + url + " (read timeout); the connection was closed");
                }
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) throw io;
                throw new IOException(c.toString(), c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                java.util.concurrent.Flow.Subscription s = subscription.get();
                if (s != null) s.cancel();
                throw new DownloadException("interrupted while downloading " + url);
            }
        }
    }

    private ProgressBar bar(URI url, long start, long total) {
        if (!progress || (total >= 0 && total < (4 << 20))) return null;
        String path = url.getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        ProgressBar bar = new ProgressBarBuilder().setTaskName("download " + name).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" MB", 1 << 20).setConsumer(
                        new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build();
        bar.stepTo(start);
        return bar;
    }

    static DownloadException httpError(URI url, int status, HttpResponse<?> resp) {
        String code = resp.headers().firstValue("X-Error-Code").orElse("");
        String msg = resp.headers().firstValue("X-Error-Message").orElse("");
        String why = switch (status) {
            case 401, 403 -> "access denied: the repository is private or gated (accept its licence on the hub and log in)";
            case 404 -> "not found" + (code.isEmpty() ? "" : " (" + code + ")");
            case 429 -> "rate limited by the server; wait and retry";
            default -> status >= 500 ? "server error; retry later" : "unexpected answer";
        };
        return new DownloadException("HTTP " + status + " for " + url + ": " + why + (msg.isEmpty() ? "" : " - " + msg), status, null);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException("interrupted while waiting to retry a download");
        }
    }

    /** Hex sha256 of a file's content. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}

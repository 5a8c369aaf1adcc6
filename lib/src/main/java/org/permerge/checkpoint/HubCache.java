package org.permerge.checkpoint;


import org.permerge.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Hugging Face hub's local cache ("Hub Local Cache" in the hub documentation), so that a cache filled by Python
 * tools is reused and one filled here is usable by them: {@code <cache>/models--<org>--<name>/} holds
 * {@code refs/<revision>} (the commit a branch pointed to), {@code blobs/<etag>} (file contents, named by their
 * sha256 for large files) and {@code snapshots/<commit>/<file>} (relative links to the blobs). Missing files are
 * downloaded from {@code <endpoint>/<repo>/resolve/<revision>/<file>}, unless {@code HF_HUB_OFFLINE} forbids it.
 */
public final class HubCache {
    /** Repo ids as the hub allows them: an optional namespace and a name, optionally {@code @revision}. */
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?(@[A-Za-z0-9._/-]{1,128})?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** Weight files in order of preference; the index files name shards. */
    static final List<String> WEIGHTS = List.of("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
            "pytorch_model.bin.index.json");

    private final Path root;
    private final URI endpoint;
    private final boolean offline;
    private final HttpDownload download;
    private final HttpClient client;

    /**
     * @param root     the cache folder (holding {@code models--*})
     * @param endpoint the hub, e.g. {@code https://huggingface.co}
     * @param offline  use only what is cached
     */
    public HubCache(Path root, URI endpoint, boolean offline) {
        this(root, endpoint, offline, new HttpDownload(offline, true));
    }

    HubCache(Path root, URI endpoint, boolean offline, HttpDownload download) {
        this.root = root;
        String e = endpoint.toString();
        this.endpoint = URI.create(e.endsWith("/") ? e.substring(0, e.length() - 1) : e);
        this.offline = offline;
        this.download = download;
        // Redirects are followed by hand: a relative one (a renamed repo) is the same file, an absolute one is the CDN.
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(30)).build();
    }

    /**
     * The cache the Python tools use: {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
     * {@code ~/.cache/huggingface/hub}; the hub at {@code $HF_ENDPOINT} (default https://huggingface.co); offline when
     * {@code HF_HUB_OFFLINE} is 1/true/yes/on. A system property of the same name overrides each variable.
     */
    public static HubCache fromEnvironment() {
        return fromEnvironment(environment());
    }

    /** The variables {@link #fromEnvironment(Map)} reads. */
    static final List<String> VARIABLES = List.of("HF_HUB_CACHE", "HF_HOME", "HF_ENDPOINT", "HF_HUB_OFFLINE");

    /**
     * The process environment, where a JVM system property of the same name as one of {@link #VARIABLES} (e.g.
     * {@code -DHF_HUB_OFFLINE=1}) takes precedence: a program embedding permerge (a notebook kernel, a test) cannot
     * change its own environment.
     */
    static Map<String, String> environment() {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        for (String v : VARIABLES) {
            String p = System.getProperty(v);
            if (p != null) env.put(v, p);
        }
        return env;
    }

    /** {@link #fromEnvironment()} for a given environment (testable without changing the process environment). */
    public static HubCache fromEnvironment(Map<String, String> env) {
        Path root;
        if (notBlank(env.get("HF_HUB_CACHE"))) {
            root = Path.of(env.get("HF_HUB_CACHE"));
        } else if (notBlank(env.get("HF_HOME"))) {
            root = Path.of(env.get("HF_HOME")).resolve("hub");
        } else {
            String home = notBlank(env.get("HOME")) ? env.get("HOME") : System.getProperty("user.home");
            root = Path.of(home, ".cache", "huggingface", "hub");
        }
        URI endpoint = URI.create(notBlank(env.get("HF_ENDPOINT")) ? env.get("HF_ENDPOINT").trim() : "https://huggingface.co");
        return new HubCache(root, endpoint, HttpDownload.isOffline(env));
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    public Path root() {
        return root;
    }

    public URI endpoint() {
        return endpoint;
    }

    public boolean offline() {
        return offline;
    }

    /** Whether a string is shaped like a hub repo id ({@code org/name}, optionally {@code @revision}). */
    public static boolean looksLikeRepoId(String s) {
        return REPO_ID.matcher(s).matches();
    }

    /** The folder of one repo inside the cache: {@code models--org--name}. */
    public Path repoFolder(String repoId) {
        return root.resolve("models--" + repoId.replace("/", "--"));
    }

    /**
     * The snapshot folder of a model repo with what an encoder needs: {@code config.json}, {@code preprocessor_config.json}
     * when the repo has one, and the weights ({@code model.safetensors}, else {@code pytorch_model.bin}, sharded or
     * not). {@code repoId} may carry {@code @revision} (branch, tag or commit); the default is {@code main}.
     *
     * @throws DownloadException when the files are neither cached nor downloadable, saying what to do
     */
    public Path resolve(String repoId) {
        if (!looksLikeRepoId(repoId)) {
            throw new IllegalArgumentException("'" + repoId + "' is not a hub repo id (expected org/name or org/name@revision)");
        }
        int at = repoId.indexOf('@');
        String repo = at < 0 ? repoId : repoId.substring(0, at);
        String revision = at < 0 ? "main" : repoId.substring(at + 1);
        return resolve(repo, revision);
    }

    /** {@link #resolve(String)} for an explicit revision. */
    public Path resolve(String repo, String revision) {
        if (!looksLikeRepoId(repo + "@" + revision) || revision.contains("..") || revision.startsWith("/") || revision.endsWith("/")) {
            throw new IllegalArgumentException("'" + repo + "@" + revision + "' is not a hub repo id with a revision");
        }
        if (offline) return cachedSnapshot(repo, revision).orElseThrow(() -> notCached(repo, revision, null));
        try {
            return fetchSnapshot(repo, revision);
        } catch (DownloadException e) {
            // Like the Python tools: when the hub cannot be reached, a complete cached snapshot is good enough.
            if (e.status() < 0 && e.getCause() instanceof IOException) {
                Optional<Path> cached = cachedSnapshot(repo, revision);
                if (cached.isPresent()) {
                    System.err.println("permerge: cannot reach " + endpoint + " (" + e.getCause().getMessage()
                            + "); using the cached snapshot " + cached.get());
                    return cached.get();
                }
                throw notCached(repo, revision, e);
            }
            throw e;
        }
    }

    /** A cached snapshot that has the config and weights, without touching the network. */
    public Optional<Path> cachedSnapshot(String repo, String revision) {
        Path repoDir = repoFolder(repo);
        String commit = revision;
        if (!COMMIT.matcher(revision).matches()) {
            Path ref = repoDir.resolve("refs").resolve(revision);
            if (!Files.isRegularFile(ref)) return Optional.empty();
            try {
                commit = Files.readString(ref, StandardCharsets.US_ASCII).trim();
            } catch (IOException e) {
                return Optional.empty();
            }
            if (!COMMIT.matcher(commit).matches()) return Optional.empty();
        }
        Path snap = repoDir.resolve("snapshots").resolve(commit);
        if (!Files.isRegularFile(snap.resolve("config.json"))) return Optional.empty();
        for (String w : WEIGHTS) {
            Path f = snap.resolve(w);
            if (Files.isRegularFile(f) && (!w.endsWith(".index.json") || shardsPresent(f))) return Optional.of(snap);
        }
        return Optional.empty();
    }

    private static boolean shardsPresent(Path index) {
        try {
            for (String s : ShardIndex.shards(index)) if (!Files.isRegularFile(index.resolveSibling(s))) return false;
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private DownloadException notCached(String repo, String revision, DownloadException cause) {
        String how = offline
                ? "HF_HUB_OFFLINE is set, so nothing is downloaded. Either run once with network access and without"
                  + " HF_HUB_OFFLINE (permerge then downloads it into that cache), or fill the cache with"
                  + " `huggingface-cli download " + repo + (revision.equals("main") ? "" : " --revision " + revision)
                  + "` (set HF_HUB_CACHE or HF_HOME if your cache lives elsewhere), or pass a local model folder instead of a repo id."
                : "The hub at " + endpoint + " could not be reached (" + (cause == null ? "?" : cause.getMessage()) + "). Check the"
                  + " network or HF_ENDPOINT, or fill the cache elsewhere with `huggingface-cli download " + repo
                  + "` and copy it to " + root + ", or pass a local model folder.";
        return new DownloadException(repo + "@" + revision + " is not in the Hugging Face cache at " + root
                + " (no complete snapshot under " + repoFolder(repo).resolve("snapshots") + "). " + how, -1, cause);
    }

    /** What a HEAD on the resolve URL tells: the commit, the blob's identity, its size and where to GET it. */
    record FileInfo(String commit, String etag, long size, URI location) {}

    private Path fetchSnapshot(String repo, String revision) {
        FileInfo config = info(repo, revision, "config.json");
        if (config == null) {
            throw new DownloadException(endpoint + "/" + repo + " has no config.json at revision " + revision
                    + " (is it a model repo, and is the id spelled right?)", 404, null);
        }
        String commit = config.commit();
        Path snap = repoFolder(repo).resolve("snapshots").resolve(commit);
        // Pin every further file to the commit config.json came from, so a push in between cannot mix revisions.
        link(repo, snap, "config.json", config);
        fetchOptional(repo, commit, snap, "preprocessor_config.json");
        boolean found = false;
        for (String w : WEIGHTS) {
            if (fetchOptional(repo, commit, snap, w)) {
                if (w.endsWith(".index.json")) {
                    for (String shard : ShardIndex.shards(snap.resolve(w))) {
                        FileInfo fi = info(repo, commit, shard);
                        if (fi == null) throw new DownloadException(repo + ": shard " + shard + " named by " + w + " is missing on the hub", 404, null);
                        link(repo, snap, shard, fi);
                    }
                }
                found = true;
                break;
            }
        }
        if (!found) {
            throw new DownloadException(repo + "@" + revision + " has none of " + WEIGHTS + " on " + endpoint, 404, null);
        }
        if (!revision.equals(commit)) {
            AtomicFiles.writeString(repoFolder(repo).resolve("refs").resolve(revision), commit);
        }
        return snap;
    }

    /** Fetches a file that may not exist; records a missing one under {@code .no_exist/<commit>/} as the Python tools do. */
    private boolean fetchOptional(String repo, String commit, Path snap, String file) {
        Path marker = repoFolder(repo).resolve(".no_exist").resolve(commit).resolve(file);
        if (Files.isRegularFile(snap.resolve(file))) return true;
        if (Files.exists(marker)) return false;
        FileInfo fi = info(repo, commit, file);
        if (fi == null) {
            try {
                Files.createDirectories(marker.getParent());
                Files.write(marker, new byte[0]);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + marker + ": " + e.getMessage(), e);
            }
            return false;
        }
        link(repo, snap, file, fi);
        return true;
    }

    /** Downloads a blob unless present and links {@code snapshots/<commit>/<file>} to it. */
    private void link(String repo, Path snap, String file, FileInfo fi) {
        Path blobs = repoFolder(repo).resolve("blobs");
        Path blob = blobs.resolve(fi.etag());
        download.download(fi.location(), blob, SHA256.matcher(fi.etag()).matches() ? fi.etag() : null);
        Path pointer = snap.resolve(file);
        try {
            Files.createDirectories(pointer.getParent());
            if (Files.isRegularFile(pointer)) return;
            Files.deleteIfExists(pointer); // a dangling link from an interrupted run
            Path rel = pointer.getParent().relativize(blob);
            try {
                Files.createSymbolicLink(pointer, rel);
            } catch (UnsupportedOperationException | FileSystemException e) {
                // File systems without symbolic links get a copy, as the Python tools do on such systems.
                Files.copy(blob, pointer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot link " + pointer + " to " + blob + ": " + e.getMessage(), e);
        }
    }

    /** HEAD on the resolve URL; null when the file does not exist at that revision. */
    FileInfo info(String repo, String revision, String file) {
        URI url = URI.create(endpoint + "/" + repo + "/resolve/" + revision + "/" + file);
        URI at = url;
        String commit = null;
        String etag = null;
        long size = -1;
        for (int hop = 0; hop < 6; hop++) {
            HttpResponse<Void> r;
            try {
                r = client.send(HttpRequest.newBuilder(at).method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .header("Accept-Encoding", "identity").timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding());
            } catch (ConnectException | HttpTimeoutException e) {
                throw new DownloadException("cannot connect to " + endpoint + " to look up " + url + ": " + e, -1, e);
            } catch (IOException e) {
                throw new DownloadException("network error looking up " + url + ": " + e, -1, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DownloadException("interrupted while looking up " + url);
            }
            var h = r.headers();
            if (commit == null) commit = h.firstValue("X-Repo-Commit").orElse(null);
            if (etag == null) etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).orElse(null);
            if (size < 0) size = h.firstValueAsLong("X-Linked-Size").orElse(h.firstValueAsLong("Content-Length").orElse(-1));
            int s = r.statusCode();
            if (s == 404) {
                String code = h.firstValue("X-Error-Code").orElse("");
                if (code.equals("RepoNotFound") || code.equals("RevisionNotFound")) {
                    throw new DownloadException(url + ": " + code + " - check the repo id and revision (private and gated"
                            + " repos are not supported)", 404, null);
                }
                return null;
            }
            if (s >= 300 && s < 400) {
                String loc = h.firstValue("Location").orElseThrow(() -> new DownloadException("HTTP " + s + " without Location for " + url));
                URI next = at.resolve(loc);
                if (loc.startsWith("/")) {
                    at = next; // same server: a renamed repo; look again
                    continue;
                }
                return fileInfo(url, commit, etag, size, next);
            }
            if (s == 200) return fileInfo(url, commit, etag, size, at);
            throw HttpDownload.httpError(url, s, r);
        }
        throw new DownloadException("too many redirects looking up " + url);
    }

    private static FileInfo fileInfo(URI url, String commit, String etag, long size, URI location) {
        if (commit == null || !COMMIT.matcher(commit).matches()) {
            throw new DownloadException(url + ": the server sent no X-Repo-Commit header (a 40-hex commit id); is HF_ENDPOINT a Hugging Face hub?");
        }
        if (etag == null) throw new DownloadException(url + ": the server sent no ETag/X-Linked-Etag header");
        String e = etag.trim();
        if (e.startsWith("W/")) e = e.substring(2);
        e = e.replace("\"", "");
        if (!e.matches("[A-Za-z0-9._-]{1,128}")) throw new DownloadException(url + ": ETag '" + etag + "' cannot name a blob");
        return new FileInfo(commit, e, size, location);
    }
}

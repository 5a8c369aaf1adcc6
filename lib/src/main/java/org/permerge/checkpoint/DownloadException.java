package org.permerge.checkpoint;

/** A download could not be completed; the message says which URL, why, and what to do about it. */
public class DownloadException extends RuntimeException {
    private final int status;

    public DownloadException(String message) {
        this(message, -1, null);
    }

    public DownloadException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status that caused it, or -1 when there was no HTTP answer (offline, network error, bad checksum). */
    public int status() {
        return status;
    }
}

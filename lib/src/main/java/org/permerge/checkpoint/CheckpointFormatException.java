package org.permerge.checkpoint;

/** A checkpoint file or folder is malformed, incomplete or not what was expected; the message names the culprit. */
public class CheckpointFormatException extends RuntimeException {
    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

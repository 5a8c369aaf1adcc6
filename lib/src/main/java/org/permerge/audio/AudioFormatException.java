package org.permerge.audio;

/** Thrown when an audio file is corrupt, truncated or in an encoding this library does not read. */
public final class AudioFormatException extends RuntimeException {
    public AudioFormatException(String message) {
        super(message);
    }
}

package org.permerge.notebook;

/** A place rich output goes: the notebook's display channel, or a console when there is no notebook. */
public interface DisplaySink {

    /**
     * Shows {@code content} of the given MIME type ("text/html", "text/markdown", "text/plain").
     *
     * @return an id for {@link #update}, or {@code null} when this sink cannot update what it showed
     */
    String show(String mime, String content);

    /** Replaces what {@link #show} put on screen under {@code id}; false when this sink cannot. */
    boolean update(String id, String mime, String content);

    /** True when HTML and markdown reach a renderer (a notebook), false for plain text consoles. */
    boolean rich();
}

package org.permerge.notebook;

import java.util.ArrayList;
import java.util.List;

/** A notebook stand-in that records what was shown and updated, in order. */
final class RecordingSink implements DisplaySink {
    record Shown(String id, String mime, String content, boolean update) {}

    final List<Shown> log = new ArrayList<>();
    private int next;

    @Override
    public synchronized String show(String mime, String content) {
        String id = "d" + (next++);
        log.add(new Shown(id, mime, content, false));
        return id;
    }

    @Override
    public synchronized boolean update(String id, String mime, String content) {
        log.add(new Shown(id, mime, content, true));
        return true;
    }

    @Override
    public boolean rich() {
        return true;
    }
}

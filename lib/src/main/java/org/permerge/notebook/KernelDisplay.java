package org.permerge.notebook;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Objects;

/**
 * Finds the running Jupyter kernel's display channel by reflection, so that library code (and the
 * notebooks) never compile against a kernel API; falls back to plain text on a console.
 */
public final class KernelDisplay {

    /** rapaio-jupyter-kernel: static {@code display(String mime, Object)} / {@code updateDisplay(id, mime, obj)}. */
    static final String RAPAIO_GLOBAL = "org.rapaio.jupyter.kernel.global.Global";

    private KernelDisplay() {}

    /** The display channel of the kernel this JVM runs in, or a console sink printing to System.out. */
    public static DisplaySink detect() {
        DisplaySink sink = rapaio(KernelDisplay.class.getClassLoader());
        if (sink == null) {
            sink = rapaio(Thread.currentThread().getContextClassLoader());
        }
        return sink != null ? sink : new Console(System.out);
    }

    /** The rapaio kernel's channel when its classes are visible from {@code loader}, else null. */
    static DisplaySink rapaio(ClassLoader loader) {
        if (loader == null) {
            return null;
        }
        try {
            Class<?> global = Class.forName(RAPAIO_GLOBAL, true, loader);
            Method display = global.getMethod("display", String.class, Object.class);
            Method update = global.getMethod("updateDisplay", String.class, String.class, Object.class);
            return new Reflective("rapaio-jupyter-kernel", display, update);
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            return null;
        }
    }

    /** A sink calling two static methods {@code (mime, content) -> id} and {@code (id, mime, content)}. */
    static final class Reflective implements DisplaySink {
        private final String kernel;
        private final Method display;
        private final Method update;

        Reflective(String kernel, Method display, Method update) {
            this.kernel = kernel;
            this.display = display;
            this.update = update;
        }

        @Override
        public String show(String mime, String content) {
            Object id = call(display, mime, content);
            return id == null ? null : id.toString();
        }

        @Override
        public boolean update(String id, String mime, String content) {
            call(update, Objects.requireNonNull(id, "display id"), mime, content);
            return true;
        }

        @Override
        public boolean rich() {
            return true;
        }

        private Object call(Method m, Object... args) {
            try {
                return m.invoke(null, args);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(kernel + ": cannot call " + m, e);
            } catch (InvocationTargetException e) {
                throw new IllegalStateException(kernel + ": " + m.getName() + " failed: " + e.getCause(), e.getCause());
            }
        }

        @Override
        public String toString() {
            return kernel;
        }
    }

    /** Plain-text fallback: markdown and text are printed as they are, HTML as a one-line note. */
    public static final class Console implements DisplaySink {
        private final PrintStream out;

        /** A console sink writing to {@code out}. */
        public Console(PrintStream out) {
            this.out = Objects.requireNonNull(out, "out");
        }

        @Override
        public String show(String mime, String content) {
            if (mime.equals("text/html")) {
                out.println("[html output, " + content.length() + " characters: open this in a notebook]");
            } else {
                out.println(content);
            }
            return null;
        }

        @Override
        public boolean update(String id, String mime, String content) {
            return false;
        }

        @Override
        public boolean rich() {
            return false;
        }

        @Override
        public String toString() {
            return "console";
        }
    }
}

package org.permerge.checkpoint;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A restricted pickle interpreter for the {@code data.pkl} of a {@code torch.save} archive. It understands the
 * opcodes pickle protocols 2-4 use for state dicts and knows a fixed set of globals (tensor rebuild functions,
 * storage types, {@code OrderedDict}); any other global is refused by name when it is read, so nothing named by
 * the file is ever looked up, let alone called. No Java reflection is involved: every allowed global is
 * interpreted by a hand-written case below.
 */
final class TorchUnpickler {
    /** A Python global named by the pickle, after it passed the allow-list. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A Python tuple. */
    record Tuple(Object[] items) {
        int size() {
            return items.length;
        }

        Object get(int i) {
            return items[i];
        }
    }

    /** A storage reference: what a persistent id in torch's zip format denotes. */
    record StorageRef(DType dtype, String key, long numel) {}

    /** The arguments of {@code _rebuild_tensor_v2}: a strided view into a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** Python's None. */
    enum None { NONE }

    static final Map<String, DType> STORAGE_TYPES = Map.ofEntries(
            Map.entry("DoubleStorage", DType.F64), Map.entry("FloatStorage", DType.F32),
            Map.entry("HalfStorage", DType.F16), Map.entry("BFloat16Storage", DType.BF16),
            Map.entry("LongStorage", DType.I64), Map.entry("IntStorage", DType.I32),
            Map.entry("ShortStorage", DType.I16), Map.entry("CharStorage", DType.I8),
            Map.entry("ByteStorage", DType.U8), Map.entry("BoolStorage", DType.BOOL));

    static final Set<String> CALLABLES = Set.of(
            "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
            "collections.OrderedDict");

    /** Limits that keep a hostile file from exhausting memory through the interpreter itself. */
    private static final int MAX_STACK = 1 << 20;
    private static final int MAX_DIMS = 64;

    private final ByteBuffer in;
    private final String source;
    private final Function<Tuple, Object> persistentLoad;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private TorchUnpickler(byte[] pickle, String source, Function<Tuple, Object> persistentLoad) {
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
        this.persistentLoad = persistentLoad;
    }

    /**
     * Interprets a pickle; {@code persistentLoad} resolves persistent ids (torch's storages).
     *
     * @throws CheckpointFormatException for a refused global, an unsupported opcode or malformed data, naming it
     */
    static Object load(byte[] pickle, String source, Function<Tuple, Object> persistentLoad) {
        try {
            return new TorchUnpickler(pickle, source, persistentLoad).run();
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new CheckpointFormatException(source + ": pickle ends in the middle of an opcode (truncated?)");
        } catch (ClassCastException e) {
            throw new CheckpointFormatException(source + ": pickle has an unexpected value type: " + e.getMessage());
        }
    }

    private CheckpointFormatException bad(String what) {
        return new CheckpointFormatException(source + ": " + what);
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) throw bad("pickle ends without STOP (truncated?)");
            int pos = in.position();
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = in.get() & 0xff;
                    if (v > 5) throw bad("pickle protocol " + v + " is not supported (expected 2..5)");
                }
                case 0x95 -> in.getLong(); // FRAME: a length hint only
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) throw bad("pickle stops with " + stack.size() + " values on the stack");
                    return stack.get(0);
                }
                case '(' -> marks.add(stack.size());
                case '}' -> push(new LinkedHashMap<>());
                case ']' -> push(new ArrayList<>());
                case ')' -> push(new Tuple(new Object[0]));
                case 't' -> push(new Tuple(popMark().toArray()));
                case 0x85 -> push(new Tuple(new Object[] {pop()}));
                case 0x86 -> {
                    Object b = pop();
                    push(new Tuple(new Object[] {pop(), b}));
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    push(new Tuple(new Object[] {pop(), b, c}));
                }
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'd' -> {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, popMark());
                    push(m);
                }
                case 'a' -> {
                    Object v = pop();
                    asList(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    asList(peek()).addAll(items);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    asMap(peek()).put(key(k), v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    putPairs(asMap(peek()), items);
                }
                case 'J' -> push((long) in.getInt());
                case 'K' -> push((long) (in.get() & 0xff));
                case 'M' -> push((long) (in.getShort() & 0xffff));
                case 0x8a -> push(longN(in.get() & 0xff));
                case 0x8b -> push(longN(length(in.getInt() & 0xffffffffL)));
                case 'G' -> { // BINFLOAT is big-endian, unlike every other operand
                    double d = in.order(ByteOrder.BIG_ENDIAN).getDouble();
                    in.order(ByteOrder.LITTLE_ENDIAN);
                    push(d);
                }
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'N' -> push(None.NONE);
                case 'X' -> push(utf8(length(in.getInt() & 0xffffffffL)));
                case 0x8c -> push(utf8(in.get() & 0xff));
                case 0x8d -> push(utf8(length(in.getLong())));
                case 'U' -> push(latin1(in.get() & 0xff));
                case 'T' -> push(latin1(length(in.getInt() & 0xffffffffL)));
                case 'C' -> push(bytes(in.get() & 0xff));
                case 'B' -> push(bytes(length(in.getInt() & 0xffffffffL)));
                case 'c' -> push(global(line(), line()));
                case 0x93 -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw bad("STACK_GLOBAL needs two strings, got " + describe(module) + " and " + describe(name));
                    }
                    push(global(m, n));
                }
                case 'Q' -> {
                    Object pid = pop();
                    if (!(pid instanceof Tuple t)) throw bad("persistent id is " + describe(pid) + ", expected a tuple");
                    push(persistentLoad.apply(t));
                }
                case 'R' -> {
                    Object args = pop();
                    Object fn = pop();
                    if (!(fn instanceof Global g)) throw bad("REDUCE on " + describe(fn) + ", expected an allowed function");
                    if (!(args instanceof Tuple t)) throw bad("REDUCE arguments are " + describe(args) + ", expected a tuple");
                    push(call(g, t));
                }
                case 0x81 -> { // NEWOBJ: cls.__new__(cls, *args)
                    Object args = pop();
                    Object cls = pop();
                    if (cls instanceof Global g && g.qualified().equals("collections.OrderedDict")
                            && args instanceof Tuple t && t.size() == 0) {
                        push(new LinkedHashMap<>());
                    } else {
                        throw bad("NEWOBJ of " + describe(cls) + " is not allowed in a state dict");
                    }
                }
                case 'b' -> {
                    Object state = pop();
                    Object target = peek();
                    // OrderedDict state is its __dict__ (torch keeps a "_metadata" version map there): not needed.
                    if (!(target instanceof Map) || !(state instanceof Map || state == None.NONE)) {
                        throw bad("BUILD of " + describe(target) + " with " + describe(state) + " is not allowed in a state dict");
                    }
                }
                case 'q' -> memo.put((long) (in.get() & 0xff), peek());
                case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> push(memoGet(in.get() & 0xff));
                case 'j' -> push(memoGet(in.getInt() & 0xffffffffL));
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                default -> throw bad(String.format("pickle opcode 0x%02x ('%s') at byte %d is not supported in a state dict",
                        op, op >= 32 && op < 127 ? String.valueOf((char) op) : "?", pos));
            }
        }
    }

    private Object global(String module, String name) {
        String q = module + "." + name;
        if (module.equals("torch") && STORAGE_TYPES.containsKey(name)) return new Global(module, name);
        if (CALLABLES.contains(q)) return new Global(module, name);
        throw bad("refusing global '" + q + "': a state dict needs only torch._utils._rebuild_* functions, torch.*Storage"
                + " types and collections.OrderedDict (the file may be malicious; it was not executed)");
    }

    private Object call(Global g, Tuple a) {
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (a.size() == 1 && a.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        if (!(p instanceof Tuple t) || t.size() != 2) throw bad("OrderedDict item is " + describe(p) + ", expected a pair");
                        m.put(key(t.get(0)), t.get(1));
                    }
                } else if (a.size() != 0) {
                    throw bad("OrderedDict called with " + a.size() + " arguments");
                }
                return m;
            }
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                if (a.size() < 4) throw bad(g.qualified() + " called with " + a.size() + " arguments, expected at least 4");
                if (!(a.get(0) instanceof StorageRef s)) throw bad(g.qualified() + ": first argument is " + describe(a.get(0)) + ", expected a storage");
                return new TensorRef(s, integer(a.get(1), "storage_offset"), dims(a.get(2), "size"), dims(a.get(3), "stride"));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.size() < 1 || !(a.get(0) instanceof TensorRef t)) throw bad(g.qualified() + ": expected a tensor as first argument");
                return t;
            }
            default -> throw bad("global '" + g.qualified() + "' is a type, not a function; it cannot be called here");
        }
    }

    private long integer(Object o, String what) {
        if (o instanceof Long l) return l;
        throw bad(what + " is " + describe(o) + ", expected an integer");
    }

    private long[] dims(Object o, String what) {
        if (!(o instanceof Tuple t)) throw bad(what + " is " + describe(o) + ", expected a tuple of integers");
        if (t.size() > MAX_DIMS) throw bad(what + " has " + t.size() + " dimensions");
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = integer(t.get(i), what + "[" + i + "]");
        return out;
    }

    /**
     * A dict key as Java can hash it. Python only allows hashable keys; refusing lists and dicts here also keeps a
     * self-containing structure (built through the memo) from being hashed, which would recurse without end.
     */
    private Object key(Object k) {
        return hashable(k, 0);
    }

    private Object hashable(Object k, int depth) {
        if (k instanceof Tuple t) {
            if (depth > 16) throw bad("dict key nests tuples more than 16 deep");
            List<Object> items = new ArrayList<>(t.size());
            for (Object o : t.items()) items.add(hashable(o, depth + 1));
            return List.copyOf(items);
        }
        if (k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double
                || k instanceof BigInteger || k == None.NONE) {
            return k;
        }
        throw bad("dict key is " + describe(k) + ", which is not hashable");
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) {
        if (items.size() % 2 != 0) throw bad("odd number of items (" + items.size() + ") for a dict");
        for (int i = 0; i < items.size(); i += 2) m.put(key(items.get(i)), items.get(i + 1));
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw bad("APPEND to " + describe(o) + ", expected a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw bad("SETITEM on " + describe(o) + ", expected a dict");
    }

    private Object memoGet(long i) {
        if (!memo.containsKey(i)) throw bad("memo entry " + i + " is read before it is written");
        return memo.get(i);
    }

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) throw bad("pickle stack exceeds " + MAX_STACK + " entries");
        stack.add(o);
    }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw bad("pickle pops from an empty stack");
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw bad("pickle reads from an empty stack");
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw bad("pickle closes a MARK that was never opened");
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private int length(long n) {
        if (n < 0 || n > in.remaining()) throw bad("pickle declares " + n + " bytes but only " + in.remaining() + " remain");
        return (int) n;
    }

    private Object longN(int n) {
        length(n);
        byte[] le = new byte[n];
        in.get(le);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(int n) {
        length(n);
        byte[] b = new byte[n];
        in.get(b);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw bad("pickle string is not valid UTF-8");
        }
    }

    private String latin1(int n) {
        length(n);
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private byte[] bytes(int n) {
        length(n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    /** A newline-terminated ASCII line, as GLOBAL's operands are written. */
    private String line() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (!in.hasRemaining()) throw bad("pickle ends inside a GLOBAL name");
            byte b = in.get();
            if (b == '\n') return sb.toString();
            if (sb.length() > 256) throw bad("GLOBAL name longer than 256 characters");
            sb.append((char) (b & 0xff));
        }
    }

    static String describe(Object o) {
        if (o == null) return "nothing";
        if (o instanceof Global g) return "global " + g.qualified();
        if (o instanceof Tuple t) return "a " + t.size() + "-tuple";
        if (o instanceof Map) return "a dict";
        if (o instanceof List) return "a list";
        if (o instanceof String s) return "the string '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        if (o instanceof TensorRef) return "a tensor";
        if (o instanceof StorageRef) return "a storage";
        return o.getClass().getSimpleName() + " " + o;
    }
}

package dev.ingot.cli;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.SequencedMap;

/**
 * An option that takes one name from a short list ({@code --bad-images fail|skip},
 * {@code --optimizer sgd|nesterov|...}), matched whatever its case, and the value each name stands
 * for. Every such option refuses any other value with the same message:
 * {@code --option must be a, b or c, got 'x'}.
 *
 * @param option the option's name, for the message
 * @param byName the names in the order the message lists them, each with its value
 */
record Choices<T>(String option, SequencedMap<String, T> byName) {
    Choices {
        byName = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(byName));
    }

    /** An option whose value is the name itself (lower case), for a {@code switch} on it. */
    static Choices<String> names(String option, String... names) {
        SequencedMap<String, String> byName = new LinkedHashMap<>();
        for (String name : names) {
            byName.put(name, name);
        }
        return new Choices<>(option, byName);
    }

    /** An option that names a constant of {@code type}: its name in lower case, '_' written '-'. */
    static <E extends Enum<E>> Choices<E> of(String option, Class<E> type) {
        SequencedMap<String, E> byName = new LinkedHashMap<>();
        for (E e : type.getEnumConstants()) {
            byName.put(e.name().toLowerCase(Locale.ROOT).replace('_', '-'), e);
        }
        return new Choices<>(option, byName);
    }

    /** The value {@code given} names. */
    T parse(String given) {
        T value = given == null ? null : byName.get(given.toLowerCase(Locale.ROOT));
        if (value == null) {
            String[] names = byName.keySet().toArray(String[]::new);
            String listed = names.length == 1 ? names[0]
                    : String.join(", ", Arrays.copyOf(names, names.length - 1)) + " or " + names[names.length - 1];
            throw new IllegalArgumentException(option + " must be " + listed + ", got '" + given + "'");
        }
        return value;
    }
}

package dev.dmsmlflow.tracking.models;

import java.util.concurrent.ThreadLocalRandom;

/** Random readable names ({@code adjective-noun-NNN}) for logged models created without one. */
final class ModelNames {
    private static final String[] ADJECTIVES = {
        "able", "agile", "azure", "bold", "brisk", "casual", "cheerful", "classy", "dapper", "delicate",
        "elegant", "fearless", "fluffy", "gifted", "graceful", "honest", "intrepid", "judicious", "lucid", "mellow",
        "modest", "neat", "patient", "placid", "resilient", "sassy", "serene", "sincere", "spirited", "stylish",
        "sunny", "tender", "thoughtful", "unique", "valiant", "vibrant", "whimsical", "worthy", "youthful", "zealous"};
    private static final String[] NOUNS = {
        "ant", "bat", "bear", "bee", "bird", "boar", "bug", "calf", "carp", "cat",
        "chimp", "cod", "colt", "crab", "crane", "croc", "deer", "doe", "dog", "dove",
        "duck", "eel", "elk", "fawn", "fish", "flea", "fly", "foal", "fowl", "frog",
        "gnu", "goat", "hare", "hawk", "hen", "hog", "horse", "hound", "jay", "kit"};

    private ModelNames() {
    }

    static String random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return ADJECTIVES[r.nextInt(ADJECTIVES.length)] + "-" + NOUNS[r.nextInt(NOUNS.length)] + "-" + r.nextInt(1000);
    }
}

// Bounds on one config file shared by the INI and YAML readers, so that a
// file near the size limit (files.ts) still costs seconds and a few hundred
// MB at worst: reading costs about a microsecond and a kilobyte per value.

/** `key = value` lines in one INI file (a YAML file: MAX_YAML_NODES). */
export const MAX_CONFIG_KEYS = 200_000;

/** Nodes in one YAML file (keys, values, lists and mappings): as many key/value pairs as MAX_CONFIG_KEYS. */
export const MAX_YAML_NODES = 2 * MAX_CONFIG_KEYS;

/**
 * The same for a YAML file beyond the plain layout (anchors, block scalars,
 * multi-line flow...): the yaml package reads it at about twice the cost.
 */
export const MAX_GENERAL_YAML_NODES = MAX_YAML_NODES / 2;

/**
 * What every value of one config may add up to once expanded (commands,
 * environments, paths of every process): far beyond any real config, and
 * small enough that reading it stays within seconds. An alias of a long
 * YAML scalar, or a wide `%(process_num)d` in a program of many copies,
 * would otherwise multiply one file's size by the number of processes.
 */
export const MAX_CONFIG_VALUE_BYTES = 32 * 1024 * 1024;

/**
 * eTag a writer passes for a key it read as absent: the write succeeds only if the key still
 * does not exist. Without it, two first turns of one conversation racing on two instances
 * would both "create" the state and one turn's update would be lost.
 */
export const CREATE_ONLY_ETAG = '@absent';

/** eTag that writes unconditionally (botbuilder's convention). */
export const ANY_ETAG = '*';

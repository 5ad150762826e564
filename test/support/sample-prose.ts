/** Varied sample prose for the planner's specs: sentences of different lengths, punctuation and quotes. */
export const SAMPLE_SENTENCES = [
  'The water cycle describes how water moves between the oceans, the air and the land.',
  'Heat from the sun evaporates water from seas and lakes!',
  'As the vapour rises it cools and condenses into tiny droplets that form clouds.',
  'When droplets merge and grow heavy they fall back to the ground as rain, snow or hail.',
  'Is that the end?',
  'No: rivers and groundwater carry the water back to the oceans, and the cycle starts again.',
  'Plants also return water to the air through their leaves, a process called transpiration.',
];

/** About `chars` characters of those sentences, ending on a whole word and a full stop. */
export function sampleProse(chars: number): string {
  const parts: string[] = [];
  for (let i = 0; parts.join(' ').length < chars; i++) parts.push(SAMPLE_SENTENCES[i % SAMPLE_SENTENCES.length]);
  return parts.join(' ').slice(0, chars).replace(/\s+\S*$/u, '.');
}

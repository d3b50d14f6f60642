"""Tiny, randomly initialised sentence-transformers models built on the spot: nothing is downloaded."""

import string
from collections.abc import Mapping
from pathlib import Path

# Whole words the tokenizer knows; anything else falls apart into letters (##a ... ##z) or [UNK].
WORDS = ["the", "a", "of", "cat", "dog", "fish", "bird", "tree", "river", "stone", "search", "query", "document", ":"]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
DIMENSIONS = 32
MAX_TOKENS = 16


def build_tiny_model(out: Path, prompts: Mapping[str, str] | None = None, seed: int = 0) -> Path:
    """A 1-layer, 32-dimensional BERT with mean pooling and a 16-token limit, saved to out."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    vocab = [*SPECIALS, *string.ascii_lowercase, *(f"##{c}" for c in string.ascii_lowercase), *WORDS]
    ids = {token: i for i, token in enumerate(vocab)}
    raw = Tokenizer(models.WordPiece(ids, unk_token="[UNK]"))  # noqa: S106  # a token, not a password
    raw.normalizer = normalizers.BertNormalizer(lowercase=True)
    raw.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    raw.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])]
    )
    special = {"unk_token": "[UNK]", "pad_token": "[PAD]", "cls_token": "[CLS]", "sep_token": "[SEP]"}
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, **special)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=DIMENSIONS,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    bert = BertModel(config)
    # A fresh LayerNorm (weight 1, bias 0) makes every output zero-mean, which would hide a missing
    # centring step in Matryoshka shortening; random affine parameters make the output realistic.
    with torch.no_grad():
        for module in bert.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.normal_(1.0, 0.3)
                module.bias.normal_(0.0, 0.5)
    hf_dir = out / "hf"
    bert.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    transformer = Transformer(str(hf_dir), max_seq_length=MAX_TOKENS)
    pooling = Pooling(transformer.get_embedding_dimension(), "mean")
    SentenceTransformer(modules=[transformer, pooling], prompts=dict(prompts or {})).save(str(out / "model"))
    return out / "model"


CLIP_DIMENSIONS = 24
CLIP_IMAGE_SIZE = 32


def build_tiny_clip(out: Path, seed: int = 0) -> Path:
    """A 1-layer CLIP (text and vision towers, 24-d projection, 32-px images), randomly initialised, saved
    as a sentence-transformers directory with its processor and a word-level tokenizer."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Transformer
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, PreTrainedTokenizerFast

    vocab = ["<|endoftext|>", "<|startoftext|>", *string.ascii_lowercase, *WORDS]
    ids = {token: i for i, token in enumerate(dict.fromkeys(vocab))}
    raw = Tokenizer(models.WordLevel(ids, unk_token="<|endoftext|>"))  # noqa: S106  # a token, not a password
    raw.normalizer = normalizers.Lowercase()
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.post_processor = processors.TemplateProcessing(
        single="<|startoftext|> $A <|endoftext|>", special_tokens=[("<|startoftext|>", 1), ("<|endoftext|>", 0)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        bos_token="<|startoftext|>",  # noqa: S106
        eos_token="<|endoftext|>",  # noqa: S106
        pad_token="<|endoftext|>",  # noqa: S106
        unk_token="<|endoftext|>",  # noqa: S106
        model_max_length=MAX_TOKENS,
    )
    torch.manual_seed(seed)
    tower = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2}
    config = CLIPConfig(
        text_config={**tower, "vocab_size": len(ids), "max_position_embeddings": MAX_TOKENS, "eos_token_id": 0},
        vision_config={**tower, "image_size": CLIP_IMAGE_SIZE, "patch_size": 8},
        projection_dim=CLIP_DIMENSIONS,
    )
    size = {"shortest_edge": CLIP_IMAGE_SIZE}
    crop = {"height": CLIP_IMAGE_SIZE, "width": CLIP_IMAGE_SIZE}
    processor = CLIPProcessor(image_processor=CLIPImageProcessor(size=size, crop_size=crop), tokenizer=tokenizer)
    hf_dir = out / "hf"
    CLIPModel(config).save_pretrained(hf_dir)
    processor.save_pretrained(hf_dir)
    SentenceTransformer(modules=[Transformer(str(hf_dir))]).save(str(out / "model"))
    return out / "model"

"""Every lab's title and parts, declared once: what the setup cell shows and the summary adds up by.

``OUTLINES[lab]`` is passed whole to ``autograder.outline(**...)`` by the lab's
setup cell. Each part lists, as plain strings:

* ``number`` and ``title``: the part as its ``## N. Title`` heading names it
  (the titles are the strings a message catalogue translates; keep them here
  and nowhere else);
* ``blocks``: the ids of its ``marks`` blocks, visible and hidden; every block of
  the lab's answer key is in exactly one part (``tests/test_lab_outlines.py``),
  so every check is too;
* ``names``: what the part's cells define that other cells use (answers,
  trained models, results): a cell that finds one undefined says "this block
  uses your `X` from part N (Title)";
* ``uses`` (optional): the earlier parts whose results its given cells compare
  with or look inside; a part's given cells read no other part's results, so
  each part runs on its own.

``catalogue``: where the titles' translations are (``seqlabs/locale/<lang>/LC_MESSAGES/seqlabs.po``):
the titles here are English msgids, shown in the notebook's language; each Spanish title is the Spanish
heading of its part (``tests/test_lab_outlines.py``).

``hand_graded`` is the points of the written answers, which no check sees
(equal to the key's ``manual`` points: the same test).
"""
from __future__ import annotations

from seqlabs.messages import CATALOGUE

STUDENT_INFO = {"number": 0, "title": "Student information", "blocks": ("student_info",),
                "names": ("STUDENT_IDS", "SIGNATURES")}

OUTLINES = {
    "lab0_example": {
        "title": "Lab 0: an example lab",
        "catalogue": CATALOGUE,
        "hand_graded": 2,
        "parts": (
            STUDENT_INFO,
            {"number": 1, "title": "Column means", "blocks": ("q1_means", "q1_hidden"),
             "names": ("column_means", "data")},
            {"number": 2, "title": "Root mean square", "blocks": ("q2_rms",), "names": ("rms",)},
            {"number": 3, "title": "Name the gate", "blocks": ("q3_gate",), "names": ("gate",)},
            {"number": 4, "title": "Train a logistic regression", "blocks": ("q4_loss", "q4_fit"),
             "names": ("logistic_gradient", "X", "labels")},
        ),
    },
    "lab1_rnn_lstm_numpy": {
        "title": "Lab 1: recurrent neural networks from scratch, RNN and LSTM in NumPy",
        "catalogue": CATALOGUE,
        "hand_graded": 6,
        "parts": (
            STUDENT_INFO,
            {"number": 1, "title": "Data: the language a^n b^n EOS", "blocks": (),
             "names": ("sequences", "word_to_idx", "idx_to_word", "vocab_size", "train_set", "val_set", "test_set",
                       "make_batch", "batches")},
            {"number": 2, "title": "The RNN",
             "blocks": ("rnn_orthogonal", "rnn_init", "rnn_sigmoid_tanh", "rnn_softmax", "rnn_step_forward",
                        "rnn_forward", "rnn_cross_entropy", "rnn_step_backward", "rnn_backward", "rnn_gradcheck",
                        "rnn_optim", "rnn_trained", "rnn_predicted"),
             "names": ("init_orthogonal", "init_rnn", "sigmoid", "tanh", "softmax", "rnn_step_forward", "rnn_forward",
                       "cross_entropy", "rnn_step_backward", "rnn_backward", "rnn_loss_and_grads", "gradient_check",
                       "clip_gradient_norm", "sgd_update", "fit", "rnn_params", "rnn_history", "rnn_val_loss",
                       "predict", "rnn_next_token_probs", "test_loss", "predicted_ends", "rnn_ends")},
            {"number": 3, "title": "The LSTM",
             "blocks": ("lstm_init", "lstm_step_forward", "lstm_forward", "lstm_step_backward", "lstm_backward",
                        "lstm_gradcheck", "lstm_trained", "lstm_predicted", "lstm_vs_rnn"),
             "names": ("init_lstm", "lstm_step_forward", "lstm_forward", "lstm_step_backward", "lstm_backward",
                       "lstm_loss_and_grads", "lstm_params", "lstm_history", "lstm_val_loss",
                       "lstm_next_token_probs", "lstm_ends")},
        ),
    },
    "lab2_pytorch_lstm": {
        "title": "Lab 2: LSTMs in PyTorch",
        "catalogue": CATALOGUE,
        "hand_graded": 8,
        "parts": (
            STUDENT_INFO,
            {"number": 1, "title": "From NumPy to PyTorch",
             "blocks": ("lstm_cell", "lstm_cell_gradcheck", "lstm_layer", "lm_model", "lm_heldout_loss", "lm_counted"),
             "names": ("lstm_cell", "lstm_layer", "encode_pairs", "batches", "NextTokenLSTM", "train_next_token", "lm",
                       "lm_history", "heldout_counted")},
            {"number": 2, "title": "Forecasting the airline series",
             "blocks": ("windows", "rmse", "air_model", "air_train_rmse", "air_test_rmse", "air_vs_persistence"),
             "names": ("create_dataset", "rmse", "AirModel", "LOOKBACK", "AIR_EPOCHS", "air_model", "air_losses",
                       "air_train_rmse", "air_test_rmse", "persistence_test")},
            {"number": 3, "title": "RNN, LSTM and GRU on the adding problem",
             "blocks": ("regressor", "gradient_norm", "adding_lstm", "adding_gru"),
             "names": ("SequenceRegressor", "first_input_gradient_norm", "adding_models", "adding_mse",
                       "adding_heldout")},
        ),
    },
    "lab3_word2vec": {
        "title": "Lab 3: Word2Vec, from a full softmax to negative sampling",
        "catalogue": CATALOGUE,
        "hand_graded": 6,
        "parts": (
            STUDENT_INFO,
            {"number": 1, "title": "Text to pairs", "blocks": ("clean_text", "context_pairs"),
             "names": ("clean_text", "context_pairs", "tok2id", "id2tok", "V", "token_ids")},
            {"number": 2, "title": "A one-hot vector times a linear layer is an embedding lookup",
             "blocks": ("one_hot",), "names": ("one_hot", "embedding_from_linear")},
            {"number": 3, "title": "The full-softmax skip-gram", "blocks": ("softmax_model", "softmax_trained"),
             "names": ("SkipGramSoftmax", "softmax_loss", "softmax_model", "softmax_losses"), "uses": (1,)},
            {"number": 4, "title": "Negative sampling",
             "blocks": ("noise_distribution", "keep_probabilities", "sgns_loss", "sgns_shared", "sgns_auc",
                        "sgns_groups"),
             "names": ("noise_distribution", "keep_probabilities", "sgns_loss", "shared_sgns_loss_and_grad", "sgns",
                       "word_vectors"), "uses": (1,)},
            {"number": 5, "title": "Nearest neighbours and evaluation", "blocks": ("top_k",),
             "names": ("top_k_neighbours",), "uses": (1, 4)},
        ),
    },
    "lab4_seq2seq": {
        "title": "Lab 4: sequence to sequence learning, German to English",
        "catalogue": CATALOGUE,
        "hand_graded": 6,
        "parts": (
            STUDENT_INFO,
            {"number": 0, "title": "Data", "blocks": (),
             "names": ("SRC_VOCAB", "TRG_VOCAB", "TRG_PAD_IDX", "train_loader", "valid_loader", "test_loader")},
            {"number": 1, "title": "The encoder", "blocks": ("encoder",), "names": ("Encoder",)},
            {"number": 2, "title": "The decoder: one step", "blocks": ("decoder",), "names": ("Decoder",)},
            {"number": 3, "title": "Seq2Seq with teacher forcing", "blocks": ("seq2seq",), "names": ("Seq2Seq",)},
            {"number": 4, "title": "Initialisation and size", "blocks": ("count_parameters", "init_weights"),
             "names": ("init_weights", "count_parameters")},
            {"number": 5, "title": "Training, evaluation and translation",
             "blocks": ("lstm_loss", "lstm_bleu", "lstm_examples"),
             "names": ("model", "lstm_history", "lstm_test_loss", "hypotheses", "references", "lstm_bleu",
                       "example_guesses", "example_references")},
            {"number": 6, "title": "The same model with GRUs", "blocks": ("gru_model", "gru_loss"),
             "names": ("GRUEncoder", "GRUDecoder", "GRUSeq2Seq", "gru_model", "gru_history", "gru_test_loss",
                       "gru_bleu")},
        ),
    },
    "lab5_attention": {
        "title": "Lab 5: attention, Bahdanau's alignment and the bridge to the Transformer",
        "catalogue": CATALOGUE,
        "hand_graded": 8,
        "parts": (
            STUDENT_INFO,
            {"number": 0, "title": "Data", "blocks": (),
             "names": ("SRC_VOCAB", "TRG_VOCAB", "SRC_PAD_IDX", "TRG_PAD_IDX", "train_loader", "valid_loader",
                       "test_loader")},
            {"number": 1, "title": "Additive attention", "blocks": ("attention", "attention_mask"),
             "names": ("Attention",)},
            {"number": 2, "title": "The bidirectional encoder over packed sequences", "blocks": ("encoder",),
             "names": ("Encoder",)},
            {"number": 3, "title": "The decoder: one step with attention", "blocks": ("decoder",),
             "names": ("Decoder",)},
            {"number": 4, "title": "Seq2Seq: the mask and teacher forcing", "blocks": ("seq2seq", "tutorial_size"),
             "names": ("Seq2Seq",)},
            {"number": 5, "title": "Training, evaluation and translation",
             "blocks": ("attention_loss", "attention_bleu", "attention_sharpness"),
             "names": ("model", "attention_history", "attention_test_loss", "hypotheses", "references", "attentions",
                       "attention_bleu", "attention_sharpness")},
            {"number": 6, "title": "What attention buys", "blocks": ("attention_gain",),
             "names": ("baseline", "baseline_bleu", "bleu_gain"), "uses": (5,)},
            {"number": 8, "title": "The bridge to the Transformer",
             "blocks": ("sdpa", "causal_mask", "multi_head", "encoder_block"),
             "names": ("scaled_dot_product_attention", "causal_mask", "MultiHeadAttention",
                       "TransformerEncoderBlock")},
        ),
    },
    "lab6_transformer": {
        "title": "Lab 6: the Transformer, from positions to beam search",
        "catalogue": CATALOGUE,
        "hand_graded": 10,
        "parts": (
            STUDENT_INFO,
            {"number": 0, "title": "Data", "blocks": (),
             "names": ("SRC_VOCAB", "TRG_VOCAB", "SRC_PAD_IDX", "TRG_PAD_IDX", "SOS_IDX", "EOS_IDX", "train_loader",
                       "valid_loader", "test_loader")},
            {"number": 1, "title": "Embeddings and positions", "blocks": ("positions",),
             "names": ("positional_encoding",)},
            {"number": 2, "title": "The decoder layer", "blocks": ("decoder_layer", "decoder_masks", "decoder_dropout"),
             "names": ("DecoderLayer",)},
            {"number": 3, "title": "The whole model", "blocks": (),
             "names": ("Embeddings", "Seq2SeqTransformer", "count_parameters")},
            {"number": 4, "title": "Training as the paper did", "blocks": ("smoothing", "schedule"),
             "names": ("label_smoothed_cross_entropy", "noam_rate")},
            {"number": 5, "title": "Decoding: greedy and beam search",
             "blocks": ("greedy", "beam_exhaustive", "beam_one"),
             "names": ("greedy_search", "beam_search")},
            {"number": 6, "title": "Training, evaluation and translation",
             "blocks": ("transformer_loss", "transformer_bleu", "beam_bleu"),
             "names": ("model", "history", "transformer_test_loss", "transformer_bleu", "hypotheses", "references",
                       "beam_hypotheses", "beam_bleu")},
        ),
    },
}

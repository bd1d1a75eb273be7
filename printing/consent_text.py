"""The wording of the consent form (接種須知暨評估及意願書), written for VaxDesk after the
national COVID-19 vaccination plan (2021, chapter 2 and appendix 7).

Kept apart from the PDF layout so the A4 form and the short thermal version ask the
same questions. Product-specific questions follow the plan: thrombosis with
thrombocytopenia for the AstraZeneca vector vaccine, myocarditis or pericarditis for
the mRNA vaccines (BNT, Moderna).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Platform = Literal["mrna", "vector", "protein", "other"]

TITLE_ZH: Final[str] = "COVID-19 疫苗接種須知暨評估及意願書"
TITLE_EN: Final[str] = "COVID-19 vaccination notice, pre-vaccination assessment and consent"


@dataclass(frozen=True)
class Question:
    """A yes/no question the person answers before the doctor's assessment."""

    code: str
    zh: str
    short_zh: str  # the thermal slip has 16-24 characters a line


GENERAL_QUESTIONS: Final[tuple[Question, ...]] = (
    Question(
        "allergy",
        "您是否曾有嚴重過敏反應（例如對藥物、食物或疫苗成分過敏，出現呼吸困難、休克或需急救）？",
        "曾有嚴重過敏反應",
    ),
    Question(
        "earlier_reaction",
        "您先前接種疫苗（包括本疫苗的前一劑）後，是否曾發生嚴重不良反應？",
        "先前接種後曾有嚴重反應",
    ),
    Question(
        "fever",
        "您今天是否發燒（38°C 以上），或正患有急性中、重度疾病？",
        "今天發燒或有急性疾病",
    ),
    Question(
        "pregnancy",
        "您目前是否懷孕（或可能懷孕）？",
        "目前懷孕",
    ),
    Question(
        "bleeding",
        "您是否正在使用抗凝血或抗血小板藥物，或有凝血功能異常？",
        "使用抗凝血藥或凝血異常",
    ),
    Question(
        "immunocompromised",
        "您是否為免疫功能低下者，或正在接受免疫抑制治療（如化療、類固醇）？",
        "免疫低下或接受免疫抑制治療",
    ),
    Question(
        "other_vaccine",
        "您最近 14 天內是否接種過其他疫苗？",
        "14 天內接種過其他疫苗",
    ),
)

PRODUCT_QUESTIONS: Final[dict[Platform, tuple[Question, ...]]] = {
    "vector": (
        Question(
            "tts",
            "您過去是否曾發生血栓合併血小板低下症候群，或肝素引起的血小板低下症？",
            "曾有血栓合併血小板低下",
        ),
    ),
    "mrna": (
        Question(
            "myocarditis",
            "您過去是否曾發生心肌炎或心包膜炎？",
            "曾有心肌炎或心包膜炎",
        ),
    ),
}

GENERAL_NOTICE: Final[tuple[str, ...]] = (
    "本疫苗以肌肉注射接種，用於預防 COVID-19 重症；接種後仍可能感染，請持續做好個人防護。",
    "對疫苗成分或前一劑曾有嚴重過敏反應者，不予接種；發燒或急性中、重度疾病者，宜待病情穩定後再接種。",
    "接種後請在接種場所或附近休息觀察至少 30 分鐘，確認沒有不適再離開。",
    "使用抗凝血或抗血小板藥物、或凝血功能異常者，接種後請在注射部位按壓至少 2 分鐘。",
    "常見反應為注射部位疼痛、紅腫，或發燒、疲倦、頭痛、肌肉痠痛，多在數天內緩解；"
    "若持續發燒或出現呼吸困難、心跳加速、全身紅疹等嚴重反應，請盡快就醫並告知接種史。",
    "孕婦接種的安全性資料仍有限，請與醫師討論後決定；接種前不需驗孕。",
)

PRODUCT_NOTICE: Final[dict[Platform, tuple[str, ...]]] = {
    "vector": (
        "本疫苗與接種後極少見的血栓合併血小板低下症候群可能有關。接種後 28 天內若有嚴重持續頭痛、"
        "視力改變、持續腹痛、胸痛、呼吸困難、下肢腫痛或皮膚出現出血點、瘀青，請立即就醫。",
    ),
    "mrna": (
        "mRNA 疫苗接種後極少數人（多為年輕男性）發生心肌炎或心包膜炎。接種後數日內若有胸痛、"
        "胸悶、呼吸急促或心悸，請立即就醫並告知接種史。",
    ),
}

CONSENT_STATEMENT: Final[str] = (
    "本人（或法定代理人）已詳閱上述接種須知，瞭解接種的效益與可能的副作用，並已據實回答評估問題。"
)

DOCTOR_OPTIONS: Final[tuple[str, str]] = ("適合接種", "暫不適合接種，原因：")


def product_platform(product_code: str) -> Platform:
    """Which kind of vaccine a product code names (CoV_AZ -> vector, CoV_BNT -> mrna)."""
    code = product_code.lower()
    if "az" in code or "astrazeneca" in code:
        return "vector"
    if any(key in code for key in ("bnt", "pfizer", "moderna", "mrna")):
        return "mrna"
    if any(key in code for key in ("medigen", "novavax", "mvc")):
        return "protein"
    return "other"


def questions_for(product_code: str) -> tuple[Question, ...]:
    """The general questions followed by those specific to the product."""
    return GENERAL_QUESTIONS + PRODUCT_QUESTIONS.get(product_platform(product_code), ())


def notice_for(product_code: str) -> tuple[str, ...]:
    """The notice paragraphs for the product."""
    return GENERAL_NOTICE + PRODUCT_NOTICE.get(product_platform(product_code), ())

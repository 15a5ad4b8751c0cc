/* Tables for the synthetic data generator (synth.h): names and the
 * phrases of invented records. Every person and event here is made up. */
#include <stdio.h>
#include <string.h>

#include "carelog/synth.h"

/* Common surnames, the most common ones repeated so they come up more often
 * (roughly as in China's household registration statistics). */
static const char *const surnames[] = {
    "王", "王", "王", "李", "李", "李", "张", "张", "张", "刘", "刘", "陈", "陈", "杨", "杨", "黄", "赵", "吴",
    "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩",
    "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏",
    "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾",
    "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙",
    "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向",
};

/* Rare surnames: compound ones and 𠮷 (U+20BB7, outside the BMP). */
static const char *const rare_surnames[] = {"欧阳", "司马", "上官", "诸葛", "𠮷", "东方", "皇甫", "令狐"};

static const char *const given_male[] = {
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "浩", "宇", "轩", "然", "博", "文", "俊", "鹏",
    "辰", "睿", "泽", "航", "晨", "子", "一", "思", "嘉", "家", "志", "天", "梓", "皓", "铭", "烨", "凯", "斌",
    "昊", "瑞", "翔", "毅", "锐", "健", "诚", "振", "宏", "坤", "晟", "逸", "宁", "安",
};

static const char *const given_female[] = {
    "芳", "娜", "敏", "静", "丽", "艳", "婷", "雪", "琳", "欣", "怡", "萱", "涵", "诗", "雨", "梦", "佳", "悦",
    "可", "馨", "妍", "晴", "彤", "璐", "瑶", "洁", "琪", "思", "语", "若", "子", "一", "梓", "嘉", "心", "蕊",
    "宁", "安", "月", "茜", "露", "薇", "慧", "颖", "倩", "玥", "柔", "芸", "菲", "晓",
};

/* Rare given-name characters: 喆 and friends in the BMP, and some outside
 * it (CJK extension B), which many fonts and programs get wrong. */
static const char *const given_rare[] = {"喆", "堃", "淼", "犇", "垚", "昇", "玥", "珺", "彧", "䶮", "龑", "𠮷"};

static const char *const t_location[] = {
    "教室", "走廊", "操场", "食堂", "宿舍", "图书馆", "卫生间", "校门口", "实验室", "体育课上", "晚自习", "课间",
};

static const char *const t_teacher[] = {
    "李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
};

static const char *const t_obs_emotional[] = {
    "最近一周上课常趴在桌上，问话时眼眶发红，说“没什么”。",
    "课间独自坐在座位上发呆，同学叫他也不理，情绪明显低落。",
    "因一次小测成绩不理想当众大哭，之后两天都很沉默。",
    "近来容易发脾气，为小事和同桌争吵，事后又自责。",
    "自述晚上睡不着，白天没精神，经常说“好累”。",
};

static const char *const t_obs_behavioural[] = {
    "上课频繁离开座位，提醒后仍难以安静，作业多次未交。",
    "近两周迟到五次，问原因不愿回答。",
    "在课堂上顶撞老师，摔了课本后离开教室。",
    "午饭几乎不吃，体重看上去明显下降。",
};

static const char *const t_obs_social[] = {
    "分组活动时没有同学愿意和他一组，他自己也回避与人交流。",
    "最近和原来的好朋友闹翻，常常一个人吃饭。",
    "不参加任何集体活动，班会时一直低头。",
};

static const char *const t_obs_self_harm[] = {
    "体育课换衣服时看到手臂内侧有多道细小划痕，学生说是猫抓的。",
    "夏天仍坚持穿长袖，手腕处有贴创可贴的痕迹。",
};

static const char *const t_obs_suicide_talk[] = {
    "作文中写到“如果我不在了，大家会不会轻松一点”。",
    "在周记里画了墓碑，并写了“想永远睡下去”。",
};

static const char *const t_obs_bullying_victim[] = {
    "有同学反映他的文具多次被藏起来，课间被几个男生围住取笑。",
    "在班级群里被起外号，学生看到消息后哭了。",
    "书包被人扔到垃圾桶里，学生不愿说是谁。",
};

static const char *const t_obs_bullying_actor[] = {
    "多名同学反映他经常向低年级同学“借钱”不还。",
    "带头给同学起侮辱性外号，并在群里传播。",
};

static const char *const t_obs_absence[] = {
    "本月已无故缺勤三天，家长电话一直打不通。",
    "连续两天早上没有到校，下午才来，说在网吧待了一夜。",
};

static const char *const t_obs_online[] = {
    "上课偷偷玩手机游戏，被收走手机后情绪激动。",
    "自述每天玩游戏到凌晨两三点，白天上课睡觉。",
};

static const char *const t_obs_family[] = {
    "学生说父母最近天天吵架，不想回家。",
    "提到爸爸喝酒后会摔东西，周末不敢待在家里。",
};

static const char *const t_obs_abuse[] = {
    "脸上有淤青，学生说是在家里摔的，但说法前后不一致。",
    "学生私下告诉班主任，家里有人对她有不当的身体接触。",
};

static const char *const t_obs_academic[] = {
    "期中考试成绩由班级前十下滑到三十名以后。",
    "各科作业完成质量明显下降，上课注意力不集中。",
};

static const char *const t_issue[] = {
    "情绪低落、失眠", "学业压力大", "人际关系困扰", "与父母冲突", "考试焦虑", "被同学孤立",
    "网络游戏沉迷", "亲人离世后的哀伤", "青春期情感困扰", "自我评价过低",
};

static const char *const t_session_data[] = {
    "学生主动谈到最近和父母的争吵，说自己“怎么做都不对”。语速慢，眼神回避。",
    "学生说晚上躺在床上会反复想白天的事情，一般一点以后才能睡着。",
    "学生描述了被同学排挤的几件事，讲述时多次停顿，情绪平稳。",
    "学生带来一张自己画的画，说画的是“一个人在雨里”。",
    "学生表示最近好一些了，愿意和同桌一起吃饭。",
};

static const char *const t_session_assessment[] = {
    "情绪困扰明显，但社会支持尚可，暂无自伤计划。",
    "睡眠问题与考试焦虑相关，认知上存在“必须考好”的绝对化要求。",
    "人际退缩与近期被排挤有关，自我价值感较低。",
    "整体状态较上次有所改善，愿意尝试新的应对方式。",
};

static const char *const t_session_plan[] = {
    "下次练习放松训练；布置情绪记录表。",
    "与班主任沟通座位和小组安排；继续每周一次个体辅导。",
    "邀请家长到校面谈，讨论家庭沟通方式。",
    "每两周跟进一次，观察睡眠和情绪变化。",
};

static const char *const t_next_steps[] = {
    "一周后复谈", "与班主任沟通课堂表现", "电话联系家长", "继续观察", "两周后复谈",
};

static const char *const t_assess_reason[] = {
    "根据面谈及班主任反映，学生情绪低落持续两周以上，但否认自伤念头。",
    "近期有多次情绪失控，学业下滑，家庭支持不足。",
    "学生表达过轻生念头，无具体计划，愿意与老师保持联系。",
    "状态稳定，已恢复正常作息，继续观察即可。",
    "筛查结果偏高，面谈中情绪平稳，需持续关注。",
};

static const char *const t_protective[] = {
    "与奶奶关系亲近；喜欢画画；有一位要好的同学。",
    "班主任很关心；参加了篮球队；成绩中上。",
    "母亲愿意配合学校；学生有明确的升学目标。",
};

static const char *const t_plan_goal[] = {
    "一个月内改善睡眠，情绪评分提高到 6 分以上；重新融入班级小组活动。",
    "减少冲突行为，每周至少与一名同学主动交流；按时完成作业。",
    "建立安全计划，学生知道遇到危机时找谁；家长每周与学校沟通一次。",
};

static const char *const t_plan_what[] = {
    "每周一次个体辅导", "调整座位，安排一名同伴互助", "每周五电话联系家长", "课堂上多给予正面反馈",
    "宿管老师留意晚间情况", "安排参加心理社团活动",
};

static const char *const t_plan_who[] = {"心理老师", "班主任", "家长", "宿管老师", "年级组长"};

static const char *const t_review_progress[] = {
    "睡眠有所改善，上课状态比之前好；与同桌关系缓和。",
    "仍有情绪波动，但能主动找老师谈；作业完成情况一般。",
    "家长配合度提高，每周按时沟通；学生参加了社团活动。",
};

static const char *const t_contact_summary[] = {
    "电话告知家长学生近期的情绪变化，家长表示之前没有注意到，愿意多陪伴。",
    "家访了解到父母在外地务工，学生与爷爷奶奶同住，老人对手机使用管不住。",
    "家长到校面谈，讨论了学生的作息和学习压力。",
    "微信联系家长，转达了班主任的观察，家长回复会和孩子聊一聊。",
};

static const char *const t_contact_agreement[] = {
    "家长每晚九点后收手机；每周五和班主任沟通一次。",
    "家长同意带学生到医院睡眠门诊就诊。",
    "约定两周后再次电话沟通。",
};

static const char *const t_referral_reason[] = {
    "学生披露在家中遭受家庭暴力，身上有伤痕，需要专业机构介入。",
    "学生长期无人照看，父母失联，生活难以为继。",
    "学生有明确的自杀计划，已告知监护人，需转介专业医疗机构。",
    "学生多次遭受校外人员欺凌和勒索，学校处置能力有限。",
};

static const char *const t_referral_what[] = {
    "学生于课后向班主任哭诉，称父亲酒后殴打，手臂和背部有淤青。班主任立即报告心理老师，心理老师与学生面谈并拍照记录伤情。",
    "学生近两周独自居住，父母联系不上，邻居偶尔送饭。学生多次因饥饿在课堂上头晕。",
    "学生在周记中写下具体的自杀计划和时间，心理老师当天面谈，学生承认有计划。",
    "学生放学路上多次被校外青年拦截索要钱财，最近一次被推倒受伤。",
};

static const char *const t_referral_actions[] = {
    "已安排学生暂住学校宿舍，班主任和心理老师陪同。",
    "已通知学校安全办公室，联系了社区网格员。",
    "已与监护人面谈并签署安全计划，学生由家长接回。",
};

static const char *const t_amendment[] = {
    "补充：当天下午家长回电，确认了上述情况。",
    "更正：辅导时长应为 45 分钟。",
    "补充：学生次日主动找老师说感觉好些了。",
};

#define TABLE(name, arr) {name, arr, sizeof arr / sizeof *arr}

static const struct {
    const char *name;
    const char *const *items;
    size_t n;
} tables[] = {
    TABLE("location", t_location),
    TABLE("teacher", t_teacher),
    TABLE("obs.emotional", t_obs_emotional),
    TABLE("obs.behavioural", t_obs_behavioural),
    TABLE("obs.social", t_obs_social),
    TABLE("obs.self_harm_signs", t_obs_self_harm),
    TABLE("obs.suicide_talk", t_obs_suicide_talk),
    TABLE("obs.bullying_victim", t_obs_bullying_victim),
    TABLE("obs.bullying_actor", t_obs_bullying_actor),
    TABLE("obs.absence", t_obs_absence),
    TABLE("obs.online_addiction", t_obs_online),
    TABLE("obs.family_conflict", t_obs_family),
    TABLE("obs.suspected_abuse", t_obs_abuse),
    TABLE("obs.academic_drop", t_obs_academic),
    TABLE("issue", t_issue),
    TABLE("session.data", t_session_data),
    TABLE("session.assessment", t_session_assessment),
    TABLE("session.plan", t_session_plan),
    TABLE("next_steps", t_next_steps),
    TABLE("assess.reason", t_assess_reason),
    TABLE("protective", t_protective),
    TABLE("plan.goal", t_plan_goal),
    TABLE("plan.what", t_plan_what),
    TABLE("plan.who", t_plan_who),
    TABLE("review.progress", t_review_progress),
    TABLE("contact.summary", t_contact_summary),
    TABLE("contact.agreement", t_contact_agreement),
    TABLE("referral.reason", t_referral_reason),
    TABLE("referral.what", t_referral_what),
    TABLE("referral.actions", t_referral_actions),
    TABLE("amendment", t_amendment),
};

const char *cl_synth_pick(cl_synth_rng *r, const char *which)
{
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        if (strcmp(tables[i].name, which) == 0)
            return tables[i].items[cl_synth_below(r, (uint32_t)tables[i].n)];
    return "";
}

#define PICK(r, arr) (arr[cl_synth_below(r, (uint32_t)(sizeof arr / sizeof *arr))])

const char *cl_synth_surname(cl_synth_rng *r)
{
    return cl_synth_chance(r, 15) ? PICK(r, rare_surnames) : PICK(r, surnames);
}

void cl_synth_name(cl_synth_rng *r, int female, const char *surname, char *out, size_t size)
{
    const char *sur = surname ? surname : cl_synth_surname(r);
    const char *a = female ? PICK(r, given_female) : PICK(r, given_male);
    const char *b = "";
    if (cl_synth_chance(r, 30))
        a = PICK(r, given_rare);
    if (cl_synth_chance(r, 700))
        b = female ? PICK(r, given_female) : PICK(r, given_male);
    if (*b && cl_synth_chance(r, 20))
        b = PICK(r, given_rare);
    snprintf(out, size, "%s%s%s", sur, a, b);
}
